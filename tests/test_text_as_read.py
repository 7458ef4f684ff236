"""files.text_as_read: bytes read and hashed once, parsed as read_text would have given them."""

import pytest

from disclosures import files


@pytest.mark.parametrize(
    "data",
    [b"", b"a\nb\n", b"a\r\nb\r\n", b"a\rb\r", b"a\r\r\nb", b"\xef\xbb\xbf{\r\n}", "caf\u00e9\r\n".encode()],
)
def test_the_text_is_what_read_text_gives(tmp_path, data):
    path = tmp_path / "file"
    path.write_bytes(data)
    assert files.text_as_read(data) == path.read_text(encoding="utf-8")


def test_bytes_that_are_not_utf8_raise_as_read_text_does(tmp_path):
    path = tmp_path / "file"
    path.write_bytes(b"caf\xe9")
    with pytest.raises(UnicodeDecodeError):
        path.read_text(encoding="utf-8")
    with pytest.raises(UnicodeDecodeError):
        files.text_as_read(b"caf\xe9")
