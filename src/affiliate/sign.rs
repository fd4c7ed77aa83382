//! Request signing shared by the three platforms (affiliates spec §1.3, §2.3, §3.3).

use hmac::{Hmac, Mac};
use md5::{Digest, Md5};

/// Concatenates `name + value` over the parameters sorted by name (plain byte order), skipping `sign` and
/// empty names or values.
pub fn concat_sorted<'a, I>(params: I) -> String
where
    I: IntoIterator<Item = (&'a str, &'a str)>,
{
    let mut pairs: Vec<(&str, &str)> =
        params.into_iter().filter(|(k, v)| *k != "sign" && !k.is_empty() && !v.is_empty()).collect();
    pairs.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut out = String::new();
    for (k, v) in pairs {
        out.push_str(k);
        out.push_str(v);
    }
    out
}

/// `UPPER(HEX(MD5(secret + concat + secret)))`: PDD, JD and TOP `md5`.
pub fn md5_wrapped<'a, I>(secret: &str, params: I) -> String
where
    I: IntoIterator<Item = (&'a str, &'a str)>,
{
    let mut h = Md5::new();
    h.update(secret.as_bytes());
    h.update(concat_sorted(params).as_bytes());
    h.update(secret.as_bytes());
    hex::encode_upper(h.finalize())
}

/// TOP `hmac`: `UPPER(HEX(HMAC_MD5(secret, concat)))`.
pub fn hmac_md5<'a, I>(secret: &str, params: I) -> String
where
    I: IntoIterator<Item = (&'a str, &'a str)>,
{
    let mut mac = <Hmac<Md5> as Mac>::new_from_slice(secret.as_bytes()).unwrap_or_else(|_| unreachable_hmac());
    mac.update(concat_sorted(params).as_bytes());
    hex::encode_upper(mac.finalize().into_bytes())
}

/// TOP `hmac-sha256`: `UPPER(HEX(HMAC_SHA256(secret, concat)))`.
pub fn hmac_sha256<'a, I>(secret: &str, params: I) -> String
where
    I: IntoIterator<Item = (&'a str, &'a str)>,
{
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(secret.as_bytes()).unwrap_or_else(|_| unreachable_hmac());
    mac.update(concat_sorted(params).as_bytes());
    hex::encode_upper(mac.finalize().into_bytes())
}

/// HMAC accepts keys of any length, so `new_from_slice` cannot fail.
fn unreachable_hmac<T>() -> T {
    unreachable!("HMAC takes keys of any length")
}

/// Constant-time comparison of two signatures (case-insensitive hex).
pub fn sign_eq(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && a.to_ascii_uppercase().as_bytes().ct_eq(b.to_ascii_uppercase().as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pdd_official_vector() {
        let p = [
            ("access_token", "asd78172s8ds9a921j9qqwda12312w1w21211"),
            ("client_id", "1"),
            ("data_type", "XML"),
            ("type", "pdd.order.number.list.get"),
            ("timestamp", "1480411125"),
            ("order_status", "1"),
            ("page", "1"),
            ("page_size", "10"),
        ];
        assert_eq!(md5_wrapped("testSecret", p), "E4DE3ED21002510DED352819E7AE6775");
    }

    #[test]
    fn pdd_self_computed_vector() {
        let p = [
            ("type", "pdd.ddk.goods.zs.unit.url.gen"),
            ("client_id", "testClientId"),
            ("timestamp", "1700000000"),
            ("data_type", "JSON"),
            ("version", "V1"),
            ("pid", "13943073_186718366"),
            ("source_url", "https://mobile.yangkeduo.com/goods.html?goods_id=123456"),
            ("custom_parameters", r#"{"uid":"g1m42"}"#),
        ];
        assert_eq!(md5_wrapped("testSecret", p), "CF5562A8534AD92C51B7F6A2EACF81E5");
    }

    #[test]
    fn jd_official_vector() {
        let p = [
            (
                "360buy_param_json",
                r#"{"end_date":null,"optional_fields":null,"order_state":"WAIT_SELLER_STOCK_OUT","page":"1","page_size":"200","start_date":null}"#,
            ),
            ("access_token", "yourtoken"),
            ("app_key", "yourappkey"),
            ("method", "jingdong.pop.order.search"),
            ("timestamp", "2021-05-07 09:20:39.683+0800"),
            ("v", "2.0"),
        ];
        assert_eq!(md5_wrapped("yourappSecret", p), "D70825340F4084360B9362B60DFD7930");
    }

    #[test]
    fn jd_self_computed_vector_and_ordering() {
        let p = [
            ("method", "jd.union.open.promotion.bysubunionid.get"),
            ("app_key", "testAppKey"),
            ("timestamp", "2024-01-01 12:00:00"),
            ("format", "json"),
            ("v", "1.0"),
            ("sign_method", "md5"),
            (
                "360buy_param_json",
                r#"{"promotionCodeReq":{"materialId":"https://item.jd.com/100012043978.html","positionId":3100000001,"chainType":3}}"#,
            ),
        ];
        assert!(concat_sorted(p).starts_with("360buy_param_json{"));
        assert_eq!(md5_wrapped("testSecret", p), "EDEF44EC3458962857606E679350CE91");
    }

    fn top_params(sign_method: &'static str) -> [(&'static str, &'static str); 9] {
        [
            ("method", "taobao.item.seller.get"),
            ("app_key", "12345678"),
            ("session", "test"),
            ("timestamp", "2016-01-01 12:00:00"),
            ("format", "json"),
            ("v", "2.0"),
            ("sign_method", sign_method),
            ("fields", "num_iid,title,nick,price,num"),
            ("num_iid", "11223344"),
        ]
    }

    #[test]
    fn top_vectors_for_all_three_methods() {
        assert_eq!(md5_wrapped("helloworld", top_params("md5")), "66987CB115214E59E6EC978214934FB8");
        assert_eq!(hmac_md5("helloworld", top_params("hmac")), "D56D7858309C31B6251083A874D48273");
        assert_eq!(
            hmac_sha256("helloworld", top_params("hmac-sha256")),
            "04DB15AD0774D5CFCE2C837DE43E3FCEA9011ED74F3038FB6AB5F3C4CEA119E8"
        );
    }

    #[test]
    fn hmac_primitives_match_rfc_vectors() {
        let key16 = String::from_utf8(vec![0x0b; 16]).unwrap();
        let key20 = String::from_utf8(vec![0x0b; 20]).unwrap();
        assert_eq!(concat_sorted([("Hi", " There")]), "Hi There");
        assert_eq!(hmac_md5(&key16, [("Hi", " There")]), "9294727A3638BB1C13F48EF8158BFC9D");
        assert_eq!(
            hmac_sha256(&key20, [("Hi", " There")]),
            "B0344C61D8DB38535CA8AFCEAF0BF12B881DC200C9833DA726E9376C2E32CFF7"
        );
    }

    #[test]
    fn empty_values_and_sign_are_not_signed() {
        assert_eq!(concat_sorted([("b", "2"), ("a", ""), ("sign", "X"), ("A", "1")]), "A1b2");
        assert!(sign_eq("abc0", "ABC0"));
        assert!(!sign_eq("abc0", "abc1"));
        assert!(!sign_eq("abc", "abc0"));
    }
}
