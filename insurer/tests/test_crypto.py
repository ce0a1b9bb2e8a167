import base64

import pytest
from cryptography.exceptions import InvalidTag

from insurer import crypto


def test_round_trip_and_field_binding():
    token = crypto.encrypt("11010519491231002X", "id_number")
    assert "11010519491231002X" not in token
    assert crypto.decrypt(token, "id_number") == "11010519491231002X"
    # A ciphertext moved into another field does not decrypt.
    with pytest.raises(InvalidTag):
        crypto.decrypt(token, "phone")


def test_two_encryptions_differ_but_blind_index_is_stable():
    a, b = crypto.encrypt("13800138000", "phone"), crypto.encrypt("13800138000", "phone")
    assert a != b
    assert crypto.blind_index("13800138000", "phone") == crypto.blind_index("13800138000", "phone")
    assert crypto.blind_index("13800138000", "phone") != crypto.blind_index("13800138000", "id_number")


def test_rotation_old_tokens_still_decrypt_new_ones_use_new_key(settings):
    old = crypto.encrypt("13800138000", "phone")
    new_key = base64.b64encode(b"n" * 32).decode()
    settings.INSURER_PII_KEYS = f"k2:{new_key},{settings.INSURER_PII_KEYS}"
    assert crypto.decrypt(old, "phone") == "13800138000"
    assert crypto.key_id(crypto.encrypt("13800138000", "phone")) == "k2"


def test_bad_keyring_is_refused_with_a_clear_message():
    with pytest.raises(crypto.KeyringError, match="32 bytes"):
        crypto.parse_keyring("k1:" + base64.b64encode(b"short").decode())
    with pytest.raises(crypto.KeyringError, match="kid:base64key"):
        crypto.parse_keyring("nokid")


def test_masks():
    assert crypto.mask_id_number("11010519491231002X") == "110105********002X"
    assert crypto.mask_phone("13800138000") == "138****8000"
