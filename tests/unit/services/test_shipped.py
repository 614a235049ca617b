"""The bundled font and the seed texts are found in a checkout and in an installed wheel."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.services import shipped


def test_a_checkout_uses_its_own_folders() -> None:
    assert shipped.shipped_dir("seeds") == shipped.SOURCE_ROOT / "seeds"
    assert (shipped.shipped_dir("resources") / "fonts" / "ipaexg.ttf").is_file()


def test_an_installation_uses_prefix_share_annotator(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    share = tmp_path / "prefix" / "share" / "annotator"
    (share / "seeds").mkdir(parents=True)
    monkeypatch.setattr(shipped, "SOURCE_ROOT", tmp_path / "site-packages")  # no folders there
    monkeypatch.setattr(shipped, "INSTALLED_ROOT", share)
    assert shipped.shipped_dir("seeds") == share / "seeds"
    assert shipped.shipped_dir("resources") is None
