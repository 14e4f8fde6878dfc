"""`python3 -m ose.backtest_cli --file FILE ...`: a Python strategy file in a backtest, with `ose
backtest`'s options. `ose backtest --strategy python:FILE` runs this (so `ose` itself never links
libpython), then prints the run report from the journal it leaves, as for the C++ strategy.

The file is run as a module; its strategy is `make_strategy(settings)` when it defines that
function, else its one ose.Strategy subclass (or the one --class names) called with `settings`:
the config's [bot] table with the --set values over it, as {key: value text}.

(The module is not `ose.backtest`: that name is the function ose.backtest().)
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import pathlib
import sys

import ose


def load_strategy(path: str, class_name: str | None, settings: dict) -> ose.Strategy:
    file = pathlib.Path(path)
    spec = importlib.util.spec_from_file_location(file.stem.replace("-", "_"), file)
    if spec is None or spec.loader is None:
        raise ValueError(f"--file {path}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    if class_name is None and callable(getattr(module, "make_strategy", None)):
        return module.make_strategy(settings)
    classes = [c for c in vars(module).values()
               if isinstance(c, type) and issubclass(c, ose.Strategy) and c is not ose.Strategy
               and c.__module__ == module.__name__]
    if class_name is not None:
        classes = [c for c in classes if c.__name__ == class_name]
    if len(classes) != 1:
        found = ", ".join(c.__name__ for c in classes) or "none"
        raise ValueError(f"--file {path}: expected one ose.Strategy subclass"
                         f"{'' if class_name is None else ' named ' + class_name} (found: "
                         f"{found}); name one with --class, or define make_strategy(settings)")
    return classes[0](settings)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python3 -m ose.backtest_cli",
                                 description="Backtest a Python strategy file (docs/BACKTEST.md)")
    ap.add_argument("--file", required=True, help="the strategy's Python file")
    ap.add_argument("--class", dest="class_name", help="its ose.Strategy subclass to run")
    ap.add_argument("-c", "--config", help="engine config with a [bot] table (default: the "
                    "built-in config/demo.toml)")
    ap.add_argument("--data", action="append", required=True, help="FILE or FILE@SYMBOL")
    ap.add_argument("--from", dest="from_")
    ap.add_argument("--to")
    ap.add_argument("--latency-entry-us", type=int, default=0)
    ap.add_argument("--latency-response-us", type=int, default=0)
    ap.add_argument("--feed-latency-us", type=int, default=0)
    ap.add_argument("--fill-model", default="full")
    ap.add_argument("--reject-share", type=float, default=0.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    ap.add_argument("--client")
    ap.add_argument("--out", default="./ose-backtest")
    ap.add_argument("--step", type=float, default=60.0)
    ap.add_argument("--json", action="store_true", help="print the results row")
    ap.add_argument("-q", "--quiet", action="store_true", help="no progress line")
    a = ap.parse_args(argv)
    try:
        strategy = load_strategy(a.file, a.class_name, ose.bot_settings(a.config, a.set))
        row = ose.backtest(strategy=strategy, data=a.data, config=a.config, out=a.out,
                           from_=a.from_, to=a.to, latency_entry_us=a.latency_entry_us,
                           latency_response_us=a.latency_response_us,
                           feed_latency_us=a.feed_latency_us, fill_model=a.fill_model,
                           reject_share=a.reject_share, seed=a.seed, client=a.client,
                           step=a.step, progress=not a.quiet)
    except (ValueError, TypeError, KeyError, OSError) as e:
        print(f"ose backtest: {e}", file=sys.stderr)
        return 2
    if a.json:
        print(json.dumps(row, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
