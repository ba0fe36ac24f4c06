"""The emulator: moto in server mode on loopback, with the rehearsal's patches applied before it serves.

Run as `python -m tests.rehearse.server ACCOUNT`: binds a free port on 127.0.0.1 and prints
`port=<n>` once it accepts requests. It acts as the given account (moto's default is 123456789012).
"""

from __future__ import annotations

import os
import sys
import threading


def main(argv: list[str]) -> int:
    os.environ["MOTO_ACCOUNT_ID"] = argv[0]  # read by moto on every request
    from moto.server import ThreadedMotoServer

    from tests.rehearse import cfn_engine_patches, service_model_patches

    cfn_engine_patches.apply()
    service_model_patches.apply()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    print(f"port={server.get_host_and_port()[1]}", flush=True)
    threading.Event().wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
