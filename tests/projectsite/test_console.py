"""What `make run` prints on the console is Vietnamese too."""

import re
from pathlib import Path

from django.conf import settings


def test_make_run_says_in_vietnamese_where_the_site_is_and_how_to_stop_it():
    makefile = (Path(settings.BASE_DIR) / "Makefile").read_text(encoding="utf-8")
    recipe = re.search(r"^run:.*?\n((?:\t.*\n)+)", makefile, re.MULTILINE).group(1)
    echoed = re.findall(r'echo "([^"]*)"', recipe)
    assert echoed == ["Trang web: http://$(HOST):$(PORT)/  (Ctrl-C để dừng máy chủ web, worker và beat)"]
