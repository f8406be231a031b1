"""Stand-in for the pip bootstrap script that ansible-test downloads from a host this project cannot reach.

ansible-test runs it (as get-pip.py) inside an empty virtualenv with pip-install arguments such as
'pip==25.2'. It installs the pip bundled with Python (ensurepip), then the requested packages from PyPI.
"""

import ensurepip
import subprocess
import sys

ensurepip.bootstrap(upgrade=True)
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install"] + args))
