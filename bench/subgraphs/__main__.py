"""`python -m bench.subgraphs AGENCY --var-dir var/bench --port N`: one agency's subgraph over its
bench database (uvicorn, one worker, no access log, as the gateway and the bare service run).
`--sdl` prints its SDL instead."""

from __future__ import annotations

import argparse
from pathlib import Path

import uvicorn

from bench.subgraphs.agencies import AGENCIES
from bench.subgraphs.service import create_app, sdl
from demo.agencies import agency_urls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("agency", choices=sorted(AGENCIES))
    parser.add_argument("--var-dir", type=Path, default=Path("var/bench"))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8201)
    parser.add_argument("--sdl", action="store_true", help="print the SDL and stop")
    args = parser.parse_args()
    agency = AGENCIES[args.agency]
    if args.sdl:
        print(sdl(agency))
        return
    url = agency_urls(args.var_dir / "agencies")[agency.database]
    app = create_app(agency, url)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
