//! The simulator's own WeCom message crypto, written from chat-gateways spec §3.1 (not shared with the client):
//! AES-256 blocks chained by hand (CBC, IV = first 16 key bytes) over
//! `random(16) ‖ len(4, BE) ‖ msg ‖ receiveid`, PKCS#7 to 32 bytes; SHA1 over the sorted four strings.

use aes::Aes256;
use aes::cipher::{BlockDecrypt, BlockEncrypt, KeyInit, generic_array::GenericArray};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha1::{Digest, Sha1};

pub struct SimCipher {
    token: String,
    aes: Aes256,
    iv: [u8; 16],
}

impl SimCipher {
    /// `None` when the EncodingAESKey does not decode to 32 bytes.
    pub fn new(token: &str, encoding_aes_key: &str) -> Option<SimCipher> {
        let config = base64::engine::GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true);
        let raw = base64::engine::GeneralPurpose::new(&base64::alphabet::STANDARD, config)
            .decode(encoding_aes_key.to_string() + "=")
            .ok()?;
        if raw.len() != 32 {
            return None;
        }
        let mut iv = [0u8; 16];
        iv.copy_from_slice(&raw[0..16]);
        Some(SimCipher { token: token.to_string(), aes: Aes256::new(GenericArray::from_slice(&raw)), iv })
    }

    pub fn sign(&self, timestamp: &str, nonce: &str, payload: &str) -> String {
        let mut list = [self.token.clone(), timestamp.to_string(), nonce.to_string(), payload.to_string()];
        list.sort();
        let digest = Sha1::digest(list.concat().as_bytes());
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }

    pub fn seal(&self, plaintext: &[u8], receive_id: &[u8]) -> String {
        let mut data: Vec<u8> = (0..16).map(|_| rand::random_range(b'a'..=b'z')).collect();
        data.extend((plaintext.len() as u32).to_be_bytes());
        data.extend_from_slice(plaintext);
        data.extend_from_slice(receive_id);
        let n = 32 - data.len() % 32;
        data.extend(std::iter::repeat_n(n as u8, n));
        let mut prev = self.iv;
        for chunk in data.chunks_mut(16) {
            for (b, p) in chunk.iter_mut().zip(prev.iter()) {
                *b ^= p;
            }
            let block = GenericArray::from_mut_slice(chunk);
            self.aes.encrypt_block(block);
            prev.copy_from_slice(chunk);
        }
        STANDARD.encode(data)
    }

    /// Returns `(message, receive_id)`, or a reason.
    pub fn unseal(&self, b64: &str) -> Result<(Vec<u8>, Vec<u8>), &'static str> {
        let mut data = STANDARD.decode(b64).map_err(|_| "base64")?;
        if data.is_empty() || data.len() % 32 != 0 {
            return Err("length");
        }
        let mut prev = self.iv;
        for chunk in data.chunks_mut(16) {
            let mut saved = [0u8; 16];
            saved.copy_from_slice(chunk);
            self.aes.decrypt_block(GenericArray::from_mut_slice(chunk));
            for (b, p) in chunk.iter_mut().zip(prev.iter()) {
                *b ^= p;
            }
            prev = saved;
        }
        let n = data[data.len() - 1] as usize;
        if !(1..=32).contains(&n) || data[data.len() - n..].iter().any(|&b| b as usize != n) {
            return Err("padding");
        }
        data.truncate(data.len() - n);
        if data.len() < 20 {
            return Err("short");
        }
        let len = u32::from_be_bytes([data[16], data[17], data[18], data[19]]) as usize;
        if 20 + len > data.len() {
            return Err("length field");
        }
        Ok((data[20..20 + len].to_vec(), data[20 + len..].to_vec()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sim_opens_the_spec_vectors_on_its_own() {
        let c = SimCipher::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C").unwrap();
        let echo = "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==";
        assert_eq!(c.sign("1409659589", "263014780", echo), "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3");
        let (msg, rid) = c.unseal(echo).unwrap();
        assert_eq!((msg.as_slice(), rid.as_slice()), (&b"1616140317555161061"[..], &b"wx5823bf96d3bd56c7"[..]));
        let sealed = c.seal("往返".as_bytes(), b"");
        assert_eq!(c.unseal(&sealed).unwrap(), ("往返".as_bytes().to_vec(), Vec::new()));
        let w = SimCipher::new("123456", "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR").unwrap();
        let e = "4ByGGj+sVCYcvGeQYhaKIk1o0pQRNbRjxybjTGblXrBaXlTXeOo1+bXFXDQQb1o6co6Yh9Bv41n7hOchLF6p+Q==";
        assert_eq!(w.sign("1411443780", "437374425", e), "dd6b9c95b495b3f7e2901bfbc76c664930ffdb96");
        assert_ne!(w.sign("1411443780", "437374424", e), "dd6b9c95b495b3f7e2901bfbc76c664930ffdb96");
        assert_eq!(w.unseal(e).unwrap().0, b"5927782489442352469");
    }
}
