"""ose: Python access to a running ose engine through shared memory.

Order entry and responses (ose.Client), events and consistent or zero-copy state
(ose.Reader), with exact decimals. See docs/PYTHON.md.

    import ose
    with ose.Client.attach("demo", "ema1") as c:
        req = c.new_order(symbol="BTCUSDT", side="buy", qty="0.01", price="30000")
        print(c.wait(timeout=1.0))
        print(c.state.orders().to_pandas())
"""

from ._ose import (  # noqa: F401
    MONEY_SCALE,
    AccountType,
    AlertReason,
    ClientClosed,
    ClientInUse,
    ClientRole,
    CommandRingFull,
    EngineNotRunning,
    Error,
    Event,
    EventTail,
    EventType,
    HaltScope,
    InstrumentKind,
    LayoutMismatch,
    Liquidity,
    Op,
    OrderStatus,
    OrderType,
    Overrun,
    PermissionDenied,
    RejectReason,
    Response,
    Side,
    StrategyState,
    Tif,
    UnknownClient,
)
from ._client import Client  # noqa: F401
from ._state import TABLES, Reader, Record, Snapshot, Table  # noqa: F401
from ._strategy import (  # noqa: F401
    Strategy,
    StrategyContext,
    backtest,
    bot_settings,
    run_live,
)

__all__ = [
    "Client", "Reader", "Table", "Record", "Snapshot", "TABLES", "MONEY_SCALE",
    "Strategy", "StrategyContext", "run_live", "backtest", "bot_settings",
    "Event", "Response", "Overrun", "EventTail",
    "Error", "EngineNotRunning", "LayoutMismatch", "UnknownClient", "ClientInUse",
    "CommandRingFull", "ClientClosed", "PermissionDenied",
    "Side", "OrderType", "Tif", "OrderStatus", "RejectReason", "EventType", "Op", "Liquidity",
    "AlertReason", "StrategyState", "InstrumentKind", "AccountType", "ClientRole", "HaltScope",
]
