"""Reading an engine's state: snapshots as numpy structured arrays, live views, lookups."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Iterable

import numpy as np

from . import _ose

MONEY_SCALE: int = _ose.MONEY_SCALE  # money columns hold int64 counts of 1 / MONEY_SCALE

TABLES = ("orders", "balances", "positions", "strategy_positions", "market", "strategies",
          "instruments", "accounts")

# Columns holding an index into a names table, and the table: to_pandas() shows the name.
_INDEX_COLUMNS = {
    "account": "accounts", "strategy": "strategies", "instrument": "instruments",
    "client": "clients", "lock_asset": "assets", "fee_asset": "assets", "base": "assets",
    "quote": "assets", "settle": "assets",
}
# The names of a table's axes (one per array dimension), as to_pandas() columns.
_AXES = {
    "balances": (("account", "accounts"), ("asset", "assets")),
    "positions": (("account", "accounts"), ("symbol", "instruments")),
    "strategy_positions": (("strategy", "strategies"), ("symbol", "instruments")),
    "market": (("symbol", "instruments"),),
}
_NO_INDEX = 0xFFFF


def _name(names: list, i: int):
    return names[i] if 0 <= i < len(names) and i != _NO_INDEX else None


class Table(np.ndarray):
    """A table of the engine's state: a numpy structured array (one row per record; the dtype is
    the record's field list), with where it came from.

    seq         the engine input the rows belong to (None for a live view)
    consistent  True when every row is from that one input (see Reader.snapshot)
    table       its name ("orders", "balances", ...)

    Money columns (price, qty, amounts, rates) are int64 counts of 1e-8 units: divide by
    ose.MONEY_SCALE, or use to_pandas() for exact decimal.Decimal values.
    """

    seq: int | None
    consistent: bool
    table: str

    def __array_finalize__(self, obj):
        self.seq = getattr(obj, "seq", None)
        self.consistent = getattr(obj, "consistent", False)
        self.table = getattr(obj, "table", "")
        self._names = getattr(obj, "_names", {})

    def to_pandas(self, money: str = "decimal"):
        """A pandas DataFrame of the rows: names instead of indices (symbol, account, ...), enum
        members (ose.Side.BUY == "buy") instead of raw values, reserved fields left out.

        money="decimal": money columns as exact decimal.Decimal objects (object dtype).
        money="e8": money columns as the raw int64 counts of 1e-8 units (fast, exact; divide
        by ose.MONEY_SCALE for display).
        """
        import pandas as pd

        return pd.DataFrame(_columns(self, money))


def _columns(t: Table, money: str) -> dict:
    if money not in ("decimal", "e8"):
        raise ValueError(f"money: {money!r} is not 'decimal' or 'e8'")
    _, money_cols, enums = _ose.table_info(t.table)
    flat = np.asarray(t).reshape(-1)
    cols: dict = {}
    axes = _AXES.get(t.table, ())
    if axes:
        # Row k of a (n0, n1) table is entity k // n1 of axis 0 and k % n1 of axis 1.
        rest = np.arange(flat.size)
        for axis, (column, names_key) in enumerate(axes):
            stride = int(np.prod(t.shape[axis + 1:], dtype=np.int64))
            idx, rest = np.divmod(rest, stride)
            names = t._names.get(names_key, [])
            cols[column] = [_name(names, int(i)) for i in idx]
    for field in flat.dtype.names:
        if field.startswith("reserved"):
            continue
        col = flat[field]
        if field in money_cols:
            cols[field] = _ose.decimals(col) if money == "decimal" else col.astype(np.int64)
        elif field in enums:
            cols[field] = _lookup(col, list(enums[field]), lambda v: int(v))
        elif field in _INDEX_COLUMNS:
            names = t._names.get(_INDEX_COLUMNS[field], [])
            cols["symbol" if field == "instrument" else field] = _lookup(col, names,
                                                                         lambda v: None)
        elif col.dtype.kind == "S":
            cols[field] = [b.decode("utf-8", "replace") for b in col.tolist()]
        else:
            cols[field] = col
    return cols


def _lookup(col: np.ndarray, values: list, other) -> np.ndarray:
    """values[v] for each raw v of `col`, other(v) where v is past the end: one numpy take over
    an object array instead of a Python call per row."""
    table = np.empty(len(values) + 1, dtype=object)
    table[:len(values)] = values
    raw = col.astype(np.int64)
    out = table[np.where((raw >= 0) & (raw < len(values)), raw, len(values))]
    for i in np.flatnonzero((raw < 0) | (raw >= len(values))):
        out[i] = other(raw[i])
    return out


class Record(SimpleNamespace):
    """One record, converted: money as decimal.Decimal, enums as ose enum members, entity
    indices as names. Attributes are the record's fields (reserved ones left out)."""


class Snapshot(SimpleNamespace):
    """Tables copied from one consistent copy of the state: attributes named like the tables
    (orders, balances, ...), plus seq and consistent."""


class Reader(_ose.Reader):
    """Read-only access to a running engine's state. Needs no client slot: any number of readers
    can attach, and a reader cannot change anything.

        r = ose.Reader.attach("demo")
        df = r.orders().to_pandas()
    """

    @classmethod
    def attach(cls, engine: str) -> "Reader":
        """Attach to engine `engine`. Raises ose.EngineNotRunning, ose.LayoutMismatch or ose.PermissionDenied
        (this user is not in the engine's state_group, docs/SECURITY.md)."""
        return cls(engine)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def _wrap(self, array, table: str, seq, consistent: bool) -> Table:
        t = array.view(Table)
        t.seq, t.consistent, t.table, t._names = seq, consistent, table, self.names
        return t

    def snapshot(self, tables: Iterable[str] = TABLES) -> Snapshot:
        """Several tables from one copy of the state, so all rows belong to one applied input:
        the result's seq. consistent is False only when the engine was too busy to copy between
        two inputs; each row is then still whole, but rows may be from different inputs."""
        arrays, seq, consistent = self._snapshot(list(tables))
        out = {name: self._wrap(a, name, seq, consistent) for name, a in arrays.items()}
        return Snapshot(seq=seq, consistent=consistent, **out)

    def _one(self, table: str) -> Table:
        return getattr(self.snapshot((table,)), table)

    def orders(self, out: np.ndarray | None = None) -> Table:
        """Every order in the table (working and terminal, until its slot is reused).

        Without `out` the rows go to a fresh array, which owns its memory. A large one (8 MiB
        and more) is made in memory of its own, on huge pages, and when it is freed that memory
        is kept for the next call: taking a snapshot after the previous one was dropped (or while
        one older snapshot is still held) costs no new pages. Only a call with nothing to reuse
        pays for fresh pages (the kernel zeroes them: ~25 ms for a million rows).

        out: an array to copy the rows into, such as order_buffer() made, reused from call to
        call. The result is then a view of its first rows (valid until the next call that
        copies into it). ValueError when `out` is not a 1-D C-contiguous writeable array of the
        orders dtype or has fewer rows than the slots in use."""
        if out is None:
            return self._one("orders")
        arrays, seq, consistent = self._snapshot(["orders"], out)
        return self._wrap(arrays["orders"], "orders", seq, consistent)

    def order_buffer(self) -> np.ndarray:
        """An empty array with room for every slot of the order table, for orders(out=...)."""
        return np.empty(self.order_capacity, dtype=_ose.table_info("orders")[0])

    def balances(self) -> Table:
        """Balances, shape (accounts, assets)."""
        return self._one("balances")

    def positions(self) -> Table:
        """Account positions, shape (accounts, instruments)."""
        return self._one("positions")

    def strategy_positions(self) -> Table:
        """Strategy positions, shape (strategies, instruments)."""
        return self._one("strategy_positions")

    def market(self) -> Table:
        """Market data per instrument (bid, ask, last, mark ...)."""
        return self._one("market")

    def strategies(self) -> Table:
        """Strategies: limits, state and live statistics."""
        return self._one("strategies")

    def instruments(self) -> Table:
        return self._one("instruments")

    def accounts(self) -> Table:
        return self._one("accounts")

    def live_view(self, table: str) -> Table:
        """A zero-copy, read-only numpy view of the engine's table itself, in shared memory
        (orders: every slot, unused ones have id 0). Writing raises, and so does setting
        flags.writeable.

        Caveat: the engine keeps writing while you read. A row read through the view may be
        torn (some fields from before an input, some from after), and two rows may be from
        different inputs. Use it for cheap monitoring; use snapshot() / orders() / order() for
        values that must be whole."""
        return self._wrap(self._live_view(table), table, None, False)

    def order(self, order_id: int) -> Record | None:
        """The order with this engine id, or None when its slot was reused or never used."""
        return self._row("orders", self._order(order_id))

    def position(self, account: str, symbol: str) -> Record | None:
        """The account's position in `symbol`. KeyError for an unknown name."""
        return self._row("positions", self._position(account, symbol), account=account,
                         symbol=symbol)

    def strategy_position(self, strategy: str, symbol: str) -> Record | None:
        return self._row("strategy_positions", self._strategy_position(strategy, symbol),
                         strategy=strategy, symbol=symbol)

    def balance(self, account: str, asset: str) -> Record | None:
        """free and locked of (account, asset). KeyError for an unknown name."""
        return self._row("balances", self._balance(account, asset), account=account, asset=asset)

    def ticker(self, symbol: str) -> Record | None:
        """The market row of one instrument."""
        return self._row("market", self._market(symbol), symbol=symbol)

    def _row(self, table: str, row, **keys) -> Record | None:
        return _record(table, row, self.names, **keys)


def _record(table: str, row, names: dict, **keys) -> Record | None:
    """A one-row array of `table` as an ose.Record (None for None). A one-row lookup has no
    (entity, entity) axes: its fields are converted as they are."""
    if row is None:
        return None
    t = row.view(Table)
    t.seq, t.consistent, t.table, t._names = None, True, table, names
    return Record(**keys, **_fields_of_row(t))


def _fields_of_row(t: Table) -> dict:
    _, money_cols, enums = _ose.table_info(t.table)
    out = {}
    for field in t.dtype.names:
        if field.startswith("reserved"):
            continue
        v = t[field][0]
        if field in money_cols:
            out[field] = _ose.decimals(np.array([v]))[0]
        elif field in enums:
            members = list(enums[field])
            out[field] = members[int(v)] if int(v) < len(members) else int(v)
        elif field in _INDEX_COLUMNS:
            out["symbol" if field == "instrument" else field] = _name(
                t._names.get(_INDEX_COLUMNS[field], []), int(v))
        elif isinstance(v, bytes):
            out[field] = v.decode("utf-8", "replace")
        else:
            out[field] = v.item() if hasattr(v, "item") else v
    return out
