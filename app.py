"""Run kbqa: `python app.py [--host H] [--port P]` serves the UI, the JSON API and the widget."""

import sys

from kbqa.cli import main

if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))
