"""Test certificates made with the ``openssl`` command line, in QEMU's file names.

``make_pki(dir)`` writes a CA and a server and a client certificate signed by
it (both valid for 127.0.0.1 and localhost) as tls-creds-x509 expects them:
ca-cert.pem, server-cert.pem, server-key.pem, client-cert.pem, client-key.pem.
The openssl CLI (no Python dependency) is on every Debian system; tests
that need it skip without it.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

OPENSSL = shutil.which("openssl")


def _run(*args: str, cwd: Path) -> None:
    assert OPENSSL is not None
    subprocess.run([OPENSSL, *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def make_pki(folder: Path, ca_name: str = "qmonitor test CA") -> Path:
    """Create the files in ``folder`` (made if needed); returns it."""
    folder.mkdir(parents=True, exist_ok=True)
    _run(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca-key.pem",
        "-out", "ca-cert.pem", "-days", "3650", "-subj", f"/CN={ca_name}",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        cwd=folder,
    )  # fmt: skip
    for who, usage in (("server", "serverAuth"), ("client", "clientAuth")):
        (folder / f"{who}.ext").write_text(
            "basicConstraints=critical,CA:FALSE\n"
            "keyUsage=critical,digitalSignature,keyEncipherment\n"
            f"extendedKeyUsage={usage}\n"
            "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
        )
        _run(
            "req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{who}-key.pem",
            "-out", f"{who}.csr", "-subj", f"/CN={who}",
            cwd=folder,
        )  # fmt: skip
        _run(
            "x509", "-req", "-in", f"{who}.csr", "-CA", "ca-cert.pem", "-CAkey", "ca-key.pem",
            "-CAcreateserial", "-out", f"{who}-cert.pem", "-days", "3650",
            "-extfile", f"{who}.ext",
            cwd=folder,
        )  # fmt: skip
    return folder
