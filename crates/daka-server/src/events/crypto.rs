//! Event encryption and signatures, exactly as `feishu-platform.md` §4.4–4.5: AES-256-CBC with
//! `SHA256(encrypt_key)` as key, a random IV prepended, PKCS#7, standard base64; signature
//! `hex(SHA256(timestamp + nonce + encrypt_key ‖ body))`.

use aes::Aes256;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use sha2::{Digest, Sha256};

fn key_of(encrypt_key: &str) -> [u8; 32] {
    let digest = Sha256::digest(encrypt_key.as_bytes());
    let mut key = [0u8; 32];
    key.copy_from_slice(&digest);
    key
}

/// Encrypts `plaintext` for the `{"encrypt": …}` body.
pub fn encrypt(encrypt_key: &str, plaintext: &[u8]) -> String {
    let mut iv = [0u8; 16];
    rand::fill(&mut iv[..]);
    encrypt_with_iv(encrypt_key, &iv, plaintext)
}

fn encrypt_with_iv(encrypt_key: &str, iv: &[u8; 16], plaintext: &[u8]) -> String {
    let cipher = cbc::Encryptor::<Aes256>::new(&key_of(encrypt_key).into(), iv.into());
    let ct = cipher.encrypt_padded_vec_mut::<Pkcs7>(plaintext);
    let mut out = Vec::with_capacity(16 + ct.len());
    out.extend_from_slice(iv);
    out.extend_from_slice(&ct);
    STANDARD.encode(out)
}

/// Decrypts an `encrypt` value (strict PKCS#7), as the SDKs do.
pub fn decrypt(encrypt_key: &str, encrypted: &str) -> Result<Vec<u8>, String> {
    let raw = STANDARD.decode(encrypted.trim()).map_err(|e| format!("bad base64: {e}"))?;
    if raw.len() < 32 || raw.len() % 16 != 0 {
        return Err("ciphertext length is not IV plus whole blocks".into());
    }
    let (iv, ct) = raw.split_at(16);
    let iv: [u8; 16] = iv.try_into().map_err(|_| "bad IV".to_string())?;
    let cipher = cbc::Decryptor::<Aes256>::new(&key_of(encrypt_key).into(), &iv.into());
    cipher.decrypt_padded_vec_mut::<Pkcs7>(ct).map_err(|_| "bad padding".to_string())
}

/// `X-Lark-Signature` of `body`.
pub fn sign(timestamp: &str, nonce: &str, encrypt_key: &str, body: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(timestamp.as_bytes());
    h.update(nonce.as_bytes());
    h.update(encrypt_key.as_bytes());
    h.update(body);
    hex::encode(h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decrypts_the_published_vector() {
        let pt = decrypt("test key", "P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=").unwrap();
        assert_eq!(pt, b"hello world");
    }

    #[test]
    fn round_trips_and_pads_whole_blocks() {
        for len in [0usize, 1, 15, 16, 17, 100] {
            let msg = vec![b'x'; len];
            let enc = encrypt("k", &msg);
            let raw = STANDARD.decode(&enc).unwrap();
            assert_eq!(raw.len(), 16 + (len / 16 + 1) * 16);
            assert_eq!(decrypt("k", &enc).unwrap(), msg);
        }
        let iv = [7u8; 16];
        assert_eq!(encrypt_with_iv("k", &iv, b"a"), encrypt_with_iv("k", &iv, b"a"));
        assert!(
            decrypt("other", &encrypt("k", b"hello")).is_err()
                || decrypt("other", &encrypt("k", b"hello")).unwrap() != b"hello"
        );
    }

    #[test]
    fn signs_like_the_sdk() {
        // hashlib.sha256(b"1700000000" + b"nonce" + b"key" + b'{"encrypt":"x"}').hexdigest()
        let sig = sign("1700000000", "nonce", "key", br#"{"encrypt":"x"}"#);
        let mut h = Sha256::new();
        h.update(br#"1700000000noncekey{"encrypt":"x"}"#);
        assert_eq!(sig, hex::encode(h.finalize()));
    }
}
