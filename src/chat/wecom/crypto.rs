//! WeCom callback crypto (chat-gateways spec §3.1), shared by apps and the 智能机器人:
//! SHA1 signatures over the sorted `[token, timestamp, nonce, encrypt]`, and AES-256-CBC over
//! `random(16) ‖ len(4, BE) ‖ msg ‖ receiveid`, PKCS#7-padded to 32-byte blocks.

use aes::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit, block_padding::NoPadding};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use sha1::{Digest, Sha1};
use subtle::ConstantTimeEq;

type Encryptor = cbc::Encryptor<aes::Aes256>;
type Decryptor = cbc::Decryptor<aes::Aes256>;

/// WeCom pads to 32 bytes, not the AES block size.
const PAD_BLOCK: usize = 32;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    #[error("EncodingAESKey must be 43 base64 characters")]
    BadKey,
    #[error("signature mismatch")]
    Signature,
    #[error("ciphertext is not valid base64")]
    Base64,
    #[error("ciphertext length is not a multiple of the block size")]
    Length,
    #[error("invalid padding")]
    Padding,
    #[error("message length field out of range")]
    MessageLength,
    #[error("receive id does not match")]
    ReceiveId,
    #[error("plaintext is not UTF-8")]
    Utf8,
}

/// One callback configuration: token, EncodingAESKey and the expected receive id (CorpID, or `""` for an
/// internal 智能机器人).
#[derive(Clone)]
pub struct WecomCrypto {
    token: String,
    key: [u8; 32],
    receive_id: String,
}

impl std::fmt::Debug for WecomCrypto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WecomCrypto").field("receive_id", &self.receive_id).finish_non_exhaustive()
    }
}

impl WecomCrypto {
    pub fn new(token: &str, encoding_aes_key: &str, receive_id: &str) -> Result<Self, CryptoError> {
        if encoding_aes_key.len() != 43 {
            return Err(CryptoError::BadKey);
        }
        // The 43rd character carries 4 bits of padding that are not always zero: decode leniently.
        let lenient = base64::engine::GeneralPurpose::new(
            &base64::alphabet::STANDARD,
            base64::engine::GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
        );
        let bytes = lenient.decode(format!("{encoding_aes_key}=")).map_err(|_| CryptoError::BadKey)?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| CryptoError::BadKey)?;
        Ok(WecomCrypto { token: token.to_string(), key, receive_id: receive_id.to_string() })
    }

    /// `lowercase hex(SHA1(concat(sort([token, timestamp, nonce, encrypt]))))`.
    pub fn signature(&self, timestamp: &str, nonce: &str, encrypt: &str) -> String {
        let mut parts = [self.token.as_str(), timestamp, nonce, encrypt];
        parts.sort_unstable();
        let mut sha = Sha1::new();
        for p in parts {
            sha.update(p.as_bytes());
        }
        hex::encode(sha.finalize())
    }

    /// Checks `msg_signature` in constant time.
    pub fn verify(&self, msg_signature: &str, timestamp: &str, nonce: &str, encrypt: &str) -> Result<(), CryptoError> {
        let expected = self.signature(timestamp, nonce, encrypt);
        if bool::from(expected.as_bytes().ct_eq(msg_signature.to_ascii_lowercase().as_bytes())) {
            Ok(())
        } else {
            Err(CryptoError::Signature)
        }
    }

    /// Verifies the signature, then decrypts.
    pub fn open(
        &self,
        msg_signature: &str,
        timestamp: &str,
        nonce: &str,
        encrypt: &str,
    ) -> Result<String, CryptoError> {
        self.verify(msg_signature, timestamp, nonce, encrypt)?;
        self.decrypt(encrypt)
    }

    /// Decrypts a base64 `Encrypt` value and checks the receive id.
    pub fn decrypt(&self, encrypt: &str) -> Result<String, CryptoError> {
        let mut buf = B64.decode(encrypt.trim()).map_err(|_| CryptoError::Base64)?;
        if buf.is_empty() || buf.len() % PAD_BLOCK != 0 {
            return Err(CryptoError::Length);
        }
        let iv: [u8; 16] = self.iv();
        let plain = Decryptor::new(&self.key.into(), &iv.into())
            .decrypt_padded_mut::<NoPadding>(&mut buf)
            .map_err(|_| CryptoError::Length)?;
        let pad = usize::from(*plain.last().ok_or(CryptoError::Padding)?);
        if pad == 0 || pad > PAD_BLOCK || pad > plain.len() {
            return Err(CryptoError::Padding);
        }
        let body = &plain[..plain.len() - pad];
        if body.len() < 20 {
            return Err(CryptoError::MessageLength);
        }
        let len = u32::from_be_bytes([body[16], body[17], body[18], body[19]]) as usize;
        let rest = &body[20..];
        if len > rest.len() {
            return Err(CryptoError::MessageLength);
        }
        let (msg, receive_id) = rest.split_at(len);
        if receive_id != self.receive_id.as_bytes() {
            return Err(CryptoError::ReceiveId);
        }
        String::from_utf8(msg.to_vec()).map_err(|_| CryptoError::Utf8)
    }

    /// Encrypts with a fresh random prefix.
    pub fn encrypt(&self, msg: &str) -> String {
        self.encrypt_with_random(&rand::random::<[u8; 16]>(), msg)
    }

    /// Encrypts with the given 16-byte random prefix (fixed in test vectors).
    pub fn encrypt_with_random(&self, random: &[u8; 16], msg: &str) -> String {
        let mut buf = Vec::with_capacity(20 + msg.len() + self.receive_id.len() + PAD_BLOCK);
        buf.extend_from_slice(random);
        buf.extend_from_slice(&(msg.len() as u32).to_be_bytes());
        buf.extend_from_slice(msg.as_bytes());
        buf.extend_from_slice(self.receive_id.as_bytes());
        let pad = PAD_BLOCK - buf.len() % PAD_BLOCK;
        buf.resize(buf.len() + pad, pad as u8);
        let len = buf.len();
        let iv: [u8; 16] = self.iv();
        let cipher = Encryptor::new(&self.key.into(), &iv.into())
            .encrypt_padded_mut::<NoPadding>(&mut buf, len)
            .map(<[u8]>::to_vec)
            .unwrap_or_default();
        B64.encode(cipher)
    }

    fn iv(&self) -> [u8; 16] {
        let mut iv = [0u8; 16];
        iv.copy_from_slice(&self.key[..16]);
        iv
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SET1_TOKEN: &str = "QDG6eK";
    const SET1_CORP: &str = "wx5823bf96d3bd56c7";
    const SET1_KEY: &str = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";
    const SET2_TOKEN: &str = "123456";
    const SET2_KEY: &str = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR";
    const SET2_CORP: &str = "wx49f0ab532d5d035a";

    fn set1() -> WecomCrypto {
        WecomCrypto::new(SET1_TOKEN, SET1_KEY, SET1_CORP).unwrap()
    }

    fn set2() -> WecomCrypto {
        WecomCrypto::new(SET2_TOKEN, SET2_KEY, SET2_CORP).unwrap()
    }

    #[test]
    fn set1_d_url_verification_decodes_the_wire_echostr_and_answers_the_plaintext() {
        let wire = "P9nAzCzyDtyTWESHep1vC5X9xho%2FqYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp%2B4RPcs8TgAE7OaBO%2BFZXvnaqQ%3D%3D";
        let echostr = percent_encoding::percent_decode_str(wire).decode_utf8().unwrap();
        let plain =
            set1().open("5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3", "1409659589", "263014780", &echostr).unwrap();
        assert_eq!(plain, "1616140317555161061");
    }

    const SET1_E_ENCRYPT: &str = "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==";

    #[test]
    fn set1_e_post_decryption_handles_a_pad_of_30() {
        let plain = set1()
            .open("477715d11cdb4164915debcba66cb864d751f3e6", "1409659813", "1372623149", SET1_E_ENCRYPT)
            .unwrap();
        assert_eq!(
            plain,
            "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>\n<FromUserName><![CDATA[mycreate]]></FromUserName>\n<CreateTime>1409659813</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[hello]]></Content>\n<MsgId>4561255354251345929</MsgId>\n<AgentID>218</AgentID>\n</xml>"
        );
        // Re-encrypting with the vector's random prefix gives the vector's ciphertext back.
        let random: [u8; 16] = *b"0960688932c47ef1";
        assert_eq!(set1().encrypt_with_random(&random, &plain), SET1_E_ENCRYPT);
    }

    #[test]
    fn set1_e_app_bodies_with_and_without_agent_id_both_yield_the_encrypt_value() {
        let bare = format!(
            "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Encrypt><![CDATA[{SET1_E_ENCRYPT}]]></Encrypt></xml>"
        );
        let with_agent = bare.replace("</xml>", "<AgentID><![CDATA[218]]></AgentID></xml>");
        for body in [bare, with_agent] {
            assert_eq!(super::super::app_encrypt_field(&body).as_deref(), Some(SET1_E_ENCRYPT));
        }
    }

    #[test]
    fn set2_a_check_signature_accepts_the_vector_and_refuses_a_changed_nonce() {
        let echo = "4ByGGj+sVCYcvGeQYhaKIk1o0pQRNbRjxybjTGblXrBaXlTXeOo1+bXFXDQQb1o6co6Yh9Bv41n7hOchLF6p+Q==";
        let c = set2();
        assert_eq!(
            c.open("dd6b9c95b495b3f7e2901bfbc76c664930ffdb96", "1411443780", "437374425", echo).unwrap(),
            "5927782489442352469"
        );
        assert_eq!(
            c.open("dd6b9c95b495b3f7e2901bfbc76c664930ffdb96", "1411443780", "437374424", echo),
            Err(CryptoError::Signature)
        );
    }

    #[test]
    fn set2_b_decrypt_message_with_a_pad_of_1() {
        let encrypt = "RgqEoJj5A4EMYlLvWO1F86ioRjZfaex/gePD0gOXTxpsq5Yj4GNglrBb8I2BAJVODGajiFnXBu7mCPatfjsu6IHCrsTyeDXzF6Bv283dGymzxh6ydJRvZsryDyZbLTE7rhnus50qGPMfp2wASFlzEgMW9z1ef/RD8XzaFYgm7iTdaXpXaG4+BiYyolBug/gYNx410cvkKR2/nPwBiT+P4hIiOAQqGp/TywZBtDh1yCF2KOd0gpiMZ5jSw3e29mTvmUHzkVQiMS6td7vXUaWOMZnYZlF3So2SjHnwh4jYFxdgpkHHqIrH/54SNdshoQgWYEvccTKe7FS709/5t6NMxuGhcUGAPOQipvWTT4dShyqio7mlsl5noTrb++x6En749zCpQVhDpbV6GDnTbcX2e8K9QaNWHp91eBdCRxthuL0=";
        let plain =
            set2().open("74d92dfeb87ba7c714f89d98870ae5eb62dff26d", "1411525903", "461056294", encrypt).unwrap();
        assert_eq!(
            plain,
            "<xml><ToUserName><![CDATA[wx49f0ab532d5d035a]]></ToUserName>\n<FromUserName><![CDATA[messense]]></FromUserName>\n<CreateTime>1411525903</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[test]]></Content>\n<MsgId>4363689963896700987</MsgId>\n<AgentID>1</AgentID>\n</xml>"
        );
    }

    #[test]
    fn set2_c_encrypt_message_matches_the_vector_and_its_signature() {
        let reply = "<xml>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[test]]></Content>\n<FromUserName><![CDATA[wx49f0ab532d5d035a]]></FromUserName>\n<ToUserName><![CDATA[messense]]></ToUserName>\n<AgentID>1</AgentID>\n<CreateTime>1411525903</CreateTime>\n</xml>";
        let c = set2();
        let encrypt = c.encrypt_with_random(b"1234567890123456", reply);
        assert_eq!(
            encrypt,
            "9s4gMv99m88kKTh/H8IdkOiMg6bisoy3ypwy9H4hvSPe9nsGaqyw5hhSjdYbcrKk+j3nba4HMOTzHrluLBYqxgNcBqGsL8GqxlhZgURnAtObvesEl5nZ+uBE8bviY0LWke8Zy9V/QYKxNV2FqllNXcfmstttyIkMKCCmVbCFM2JTF5wY0nFhHZSjPUL2Q1qvSUCUld+/WIXrx0oyKQmpB6o8NRrrNrsDf03oxI1p9FxUgMnwKKZeOA/uu+2IEvEBtb7muXsVbwbgX05UPPJvFurDXafG0RQyPR+mf1nDnAtQmmNOuiR5MIkdQ39xn1vWwi1O5oazPoQJz0nTYjxxEE8kv3kFxtAGVRe3ypD3WeK2XeFYFMNMpatF9XiKzHo3"
        );
        assert_eq!(c.signature("1411525903", "461056294", &encrypt), "407518b7649e86ef23978113f92d27afa9296533");
    }

    const SET3_PLAIN: &str = r#"{"msgid":"TESTMSGID0001","aibotid":"AIBOTID","chatid":"CHATID","chattype":"group","from":{"userid":"USERID"},"response_url":"RESPONSEURL","msgtype":"text","text":{"content":"@RobotA hello robot"}}"#;
    const SET3_ENCRYPT: &str = "y514aRT8yYkYNee3kPvkrK3ujpVSE/N/tlanGIgH2/0MPsfK4k/GykG6+ncytNCCnq2cnWPCVv63/tF3+R3N0xNe+hd9D0r3kTL4qKY5DPtu+1uQ66j+lZNzxhkeDMTJWn9T/eXy6ASusByfmTPG7gj83cOHbAqbPADYlgmcPyb9Rd5x4pFrffud7lb6Xl94RKMR5m85SZwIRSL2TSNhrG5j37i3QcCaMXKiC/JFqp3jqCK17iONALAf4QesEKGuLT/M4gMNdPFXipEUU28AUZgyPa/z8ripu/s6zB0wx0I=";

    #[test]
    fn set3_aibot_json_vector_round_trips_with_an_empty_receive_id() {
        let c = WecomCrypto::new(SET1_TOKEN, SET1_KEY, "").unwrap();
        assert_eq!(c.encrypt_with_random(b"1234567890123456", SET3_PLAIN), SET3_ENCRYPT);
        assert_eq!(c.signature("1409659813", "1372623149", SET3_ENCRYPT), "333411ef7f1ca52db78cb6857f438f2b1247fda5");
        assert_eq!(
            c.open("333411ef7f1ca52db78cb6857f438f2b1247fda5", "1409659813", "1372623149", SET3_ENCRYPT).unwrap(),
            SET3_PLAIN
        );
    }

    #[test]
    fn a_wrong_receive_id_or_a_tampered_ciphertext_is_refused() {
        let corp = WecomCrypto::new(SET1_TOKEN, SET1_KEY, SET1_CORP).unwrap();
        assert_eq!(corp.decrypt(SET3_ENCRYPT), Err(CryptoError::ReceiveId));
        assert_eq!(corp.decrypt("not base64 !"), Err(CryptoError::Base64));
        assert_eq!(corp.decrypt("AAAA"), Err(CryptoError::Length));
        assert_eq!(WecomCrypto::new("t", "short", "").err(), Some(CryptoError::BadKey));
    }

    #[test]
    fn encryption_round_trips_every_pad_length() {
        let c = set2();
        for n in 0..70 {
            let msg = "家".repeat(n % 5) + &"x".repeat(n);
            assert_eq!(c.decrypt(&c.encrypt(&msg)).unwrap(), msg);
        }
    }
}
