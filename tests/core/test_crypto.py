import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from dangjian.core import crypto


def test_sm4_known_answer():
    """GB/T 32907 example: key = plaintext = 0123456789abcdeffedcba9876543210."""
    key = bytes.fromhex("0123456789abcdeffedcba9876543210")
    enc = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()  # noqa: S305 - known-answer test only
    assert (enc.update(key) + enc.finalize()).hex() == "681edf34d206965e86b3e94f536e4246"


def test_sm3_known_answer():
    assert crypto.sm3_hex(b"abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


def test_encrypt_round_trip_and_randomised():
    a, b = crypto.encrypt("410102198005170011"), crypto.encrypt("410102198005170011")
    assert a != b
    assert a.startswith(f"sm4gcm:{crypto.current_key_id()}:")
    assert "410102" not in a
    assert crypto.decrypt(a) == crypto.decrypt(b) == "410102198005170011"


def test_tampered_ciphertext_is_refused():
    token = crypto.encrypt("secret")
    prefix, key_id, body = token.split(":", 2)
    flipped = body[:-4] + ("AAAA" if body[-4:] != "AAAA" else "BBBB")
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(f"{prefix}:{key_id}:{flipped}")


def test_blind_index_is_stable_and_normalised():
    assert crypto.blind_index("41010219800517001x") == crypto.blind_index(" 41010219800517001X ")
    assert crypto.blind_index("a", "id") != crypto.blind_index("a", "phone")


def test_old_ciphertexts_still_decrypt_after_a_new_key_is_added(settings):
    old = crypto.encrypt("hello")
    ring = ",".join(f"{key_id}:{key.hex()}" for key_id, key in crypto.keyring().items())
    settings.FIELD_KEY = f"2:000102030405060708090a0b0c0d0e0f,{ring}"
    crypto.keyring.cache_clear()
    try:
        new = crypto.encrypt("hello")
        assert crypto.key_id_of(new) == "2"
        assert crypto.decrypt(old) == "hello"
        assert crypto.decrypt(new) == "hello"
    finally:
        crypto.keyring.cache_clear()
