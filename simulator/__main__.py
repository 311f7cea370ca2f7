"""``python -m simulator``: serve the simulator, optionally greet Odoo with a burst."""

import argparse
import logging
import threading
from pathlib import Path

from .core import Config, Simulator
from .server import make_server

_logger = logging.getLogger("simulator")


def _arguments():
    parser = argparse.ArgumentParser(
        prog="python -m simulator",
        description="Social Care API simulator (not a real social network).",
        epilog="Faults on demand, e.g. the next reply post answered 429: curl -d "
        """'{"kind": "rate_limit", "path": "^/x/2/tweets$"}' """
        "http://127.0.0.1:8071/api/faults (kinds: rate_limit, server_error, "
        "hang_before, hang_after, expired_token; GET /api/faults lists them, "
        "POST /api/faults/clear forgets them).",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8071)
    parser.add_argument("--odoo-url", default="http://127.0.0.1:8069")
    parser.add_argument("--x-app-id", type=int, help="Odoo id of the X app")
    parser.add_argument("--meta-app-id", type=int, help="Odoo id of the Meta app")
    parser.add_argument("--state", type=Path, help="JSON file keeping the state")
    parser.add_argument(
        "--burst",
        action="store_true",
        help="once Odoo answers, send one customer message per channel",
    )
    parser.add_argument("--verbose", action="store_true", help="log every request")
    return parser.parse_args()


def _greet(simulator):
    if not simulator.wait_for_odoo():
        _logger.warning("Odoo did not answer at %s", simulator.config.odoo_url)
        return
    for _conversation, message in simulator.burst():
        status = (message.get("delivery") or {}).get("status")
        _logger.info("delivered %s: HTTP %s", message["id"], status)


def main():
    args = _arguments()
    logging.basicConfig(level=logging.INFO, format="[simulator] %(message)s")
    simulator = Simulator(
        Config(
            odoo_url=args.odoo_url,
            x_app_id=args.x_app_id,
            meta_app_id=args.meta_app_id,
            state_path=args.state,
        )
    )
    server = make_server(simulator, args.host, args.port, verbose=args.verbose)
    _logger.info(
        "Social Care API simulator (not a real social network) at http://%s:%s",
        args.host,
        server.server_port,
    )
    if args.burst:
        threading.Thread(target=_greet, args=(simulator,), daemon=True).start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
