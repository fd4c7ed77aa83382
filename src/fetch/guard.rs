//! What a photo URL may name: the scheme, host, port and the addresses a host may resolve to.
//!
//! [`Guard::check`] runs on the first URL and again on every redirect hop, before any connection. Host names
//! then resolve through [`crate::fetch::resolve::GuardedResolver`], which keeps only addresses that pass
//! [`is_public`].

use super::FetchError;
use crate::config::FetchSettings;
use crate::platform::Platform;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use url::{Host, Url};

/// Longest photo URL accepted.
const MAX_URL_LEN: usize = 2048;

/// The URL policy, built once from the settings.
#[derive(Debug, Clone)]
pub struct Guard {
    pdd: Vec<String>,
    jd: Vec<String>,
    taobao: Vec<String>,
    allowed_ports: Vec<u16>,
    overrides: HashMap<String, SocketAddr>,
}

impl Guard {
    pub fn new(settings: &FetchSettings) -> Guard {
        let lower = |hosts: &[String]| hosts.iter().map(|h| h.trim().to_ascii_lowercase()).collect();
        Guard {
            pdd: lower(&settings.hosts.pdd),
            jd: lower(&settings.hosts.jd),
            taobao: lower(&settings.hosts.taobao),
            allowed_ports: settings.allowed_ports.clone(),
            overrides: settings.resolve.iter().map(|o| (o.host.trim().to_ascii_lowercase(), o.addr)).collect(),
        }
    }

    /// The trusted name → address overrides (for the resolver).
    pub fn overrides(&self) -> &HashMap<String, SocketAddr> {
        &self.overrides
    }

    /// Parses a photo URL given as text, bounding its length.
    pub fn parse(text: &str) -> Result<Url, FetchError> {
        if text.len() > MAX_URL_LEN {
            return Err(FetchError::InvalidUrl);
        }
        Url::parse(text.trim()).map_err(|_| FetchError::InvalidUrl)
    }

    /// Whether `url` may be requested for a photo of `platform`. No I/O.
    pub fn check(&self, platform: Platform, url: &Url) -> Result<(), FetchError> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(FetchError::SchemeNotAllowed(url.scheme().to_string()));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(FetchError::InvalidUrl);
        }
        // `url` has already lower-cased and IDNA-normalised the name, and parsed numeric forms such as
        // `0x7f.1` or `2130706433` into addresses.
        let host = match url.host() {
            Some(Host::Domain(d)) => d,
            Some(Host::Ipv4(_) | Host::Ipv6(_)) => return Err(FetchError::IpLiteral),
            None => return Err(FetchError::InvalidUrl),
        };
        let overridden = self.overrides.get(host);
        if overridden.is_none() && !self.suffixes(platform).iter().any(|s| host_matches(host, s)) {
            return Err(FetchError::HostNotAllowed { platform, host: host.to_string() });
        }
        // `Url::port` is `None` for the scheme's default port.
        if let Some(port) = url.port() {
            let allowed = match overridden {
                Some(addr) => addr.port() == port,
                None => self.allowed_ports.contains(&port),
            };
            if !allowed {
                return Err(FetchError::PortNotAllowed(port));
            }
        }
        Ok(())
    }

    fn suffixes(&self, platform: Platform) -> &[String] {
        match platform {
            Platform::Pdd => &self.pdd,
            Platform::Jd => &self.jd,
            Platform::Taobao => &self.taobao,
        }
    }
}

/// `img.alicdn.com` matches `alicdn.com`; `evilalicdn.com` and `alicdn.com.evil.org` do not.
fn host_matches(host: &str, suffix: &str) -> bool {
    !suffix.is_empty()
        && (host == suffix || host.strip_suffix(suffix).is_some_and(|head| head.ends_with('.') && head.len() > 1))
}

/// Whether a photo may be fetched from `ip`: false for private, loopback, link-local (cloud metadata at
/// 169.254.169.254), CGNAT (Alibaba Cloud metadata at 100.100.100.200), multicast, unspecified, broadcast,
/// documentation, benchmarking and reserved ranges, and for every IPv6 form that embeds an IPv4 address
/// (mapped, compatible, NAT64, 6to4, Teredo).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    let refused = a == 0                                    // 0/8 "this network"
        || a == 10                                          // 10/8 private
        || (a == 100 && (64..128).contains(&b))             // 100.64/10 CGNAT
        || a == 127                                         // 127/8 loopback
        || (a == 169 && b == 254)                           // 169.254/16 link-local, metadata
        || (a == 172 && (16..32).contains(&b))              // 172.16/12 private
        || (a == 192 && b == 0 && c == 0)                   // 192.0.0/24 protocol assignments
        || (a == 192 && b == 0 && c == 2)                   // 192.0.2/24 documentation
        || (a == 192 && b == 88 && c == 99)                 // 192.88.99/24 6to4 relay
        || (a == 192 && b == 168)                           // 192.168/16 private
        || (a == 198 && (b == 18 || b == 19))               // 198.18/15 benchmarking
        || (a == 198 && b == 51 && c == 100)                // 198.51.100/24 documentation
        || (a == 203 && b == 0 && c == 113)                 // 203.0.113/24 documentation
        || a >= 224; // 224/4 multicast, 240/4 reserved, 255.255.255.255 broadcast
    !refused
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    let refused = ip.is_unspecified()                       // ::
        || ip.is_loopback()                                 // ::1
        || s[..6] == [0, 0, 0, 0, 0, 0]                     // ::/96 IPv4-compatible
        || s[..6] == [0, 0, 0, 0, 0, 0xffff]                // ::ffff:0:0/96 IPv4-mapped
        || s[..6] == [0x64, 0xff9b, 0, 0, 0, 0]             // 64:ff9b::/96 NAT64
        || (s[0] == 0x64 && s[1] == 0xff9b && s[2] == 1)    // 64:ff9b:1::/48 local NAT64
        || s[..4] == [0x100, 0, 0, 0]                       // 100::/64 discard
        || (s[0] == 0x2001 && s[1] < 0x200)                 // 2001::/23 protocol assignments (Teredo 2001::/32)
        || (s[0] == 0x2001 && s[1] == 0xdb8)                // 2001:db8::/32 documentation
        || s[0] == 0x2002                                   // 2002::/16 6to4
        || (s[0] == 0x3fff && s[1] < 0x1000)                // 3fff::/20 documentation
        || (s[0] & 0xfe00) == 0xfc00                        // fc00::/7 unique local (AWS metadata fd00:ec2::254)
        || (s[0] & 0xffc0) == 0xfe80                        // fe80::/10 link-local
        || (s[0] & 0xffc0) == 0xfec0                        // fec0::/10 site-local
        || (s[0] & 0xff00) == 0xff00; // ff00::/8 multicast
    !refused
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ResolveOverride;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn private_loopback_link_local_metadata_and_special_v4_addresses_are_refused() {
        for a in [
            "0.0.0.0",
            "0.1.2.3",
            "10.0.0.1",
            "10.255.255.255",
            "100.64.0.1",
            "100.100.100.200",
            "100.127.255.255",
            "127.0.0.1",
            "127.1.2.3",
            "169.254.169.254",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.8",
            "192.0.2.10",
            "192.88.99.1",
            "192.168.1.1",
            "198.18.0.1",
            "198.19.255.255",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
        ] {
            assert!(!is_public(ip(a)), "{a} must be refused");
        }
    }

    #[test]
    fn public_v4_addresses_pass_including_the_neighbours_of_refused_ranges() {
        for a in [
            "1.1.1.1",
            "8.8.8.8",
            "9.255.255.255",
            "11.0.0.1",
            "100.63.255.255",
            "100.128.0.1",
            "126.255.255.255",
            "128.0.0.1",
            "169.253.1.1",
            "172.15.255.255",
            "172.32.0.1",
            "192.0.1.1",
            "192.169.0.1",
            "198.17.255.255",
            "198.20.0.1",
            "203.0.114.1",
            "223.255.255.255",
            "140.205.94.189",
        ] {
            assert!(is_public(ip(a)), "{a} must pass");
        }
    }

    #[test]
    fn special_v6_addresses_are_refused_including_embedded_v4() {
        for a in [
            "::",
            "::1",
            "::127.0.0.1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::ffff:8.8.8.8",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b:1::1",
            "100::1",
            "2001::1",
            "2001:db8::1",
            "2002:7f00:1::1",
            "3fff::1",
            "fc00::1",
            "fd00:ec2::254",
            "fe80::1",
            "febf::1",
            "fec0::1",
            "ff02::1",
        ] {
            assert!(!is_public(ip(a)), "{a} must be refused");
        }
        for a in ["2400:3200::1", "2408:8000::1", "2001:4860:4860::8888", "2a00:1450::1"] {
            assert!(is_public(ip(a)), "{a} must pass");
        }
    }

    fn guard(overrides: &[(&str, &str)], ports: &[u16]) -> Guard {
        let resolve =
            overrides.iter().map(|(h, a)| ResolveOverride { host: h.to_string(), addr: a.parse().unwrap() }).collect();
        Guard::new(&FetchSettings { allowed_ports: ports.to_vec(), resolve, ..FetchSettings::default() })
    }

    fn check(g: &Guard, platform: Platform, url: &str) -> Result<(), FetchError> {
        g.check(platform, &Guard::parse(url)?)
    }

    #[test]
    fn platform_cdn_hosts_are_allowed_by_suffix_and_only_for_their_platform() {
        let g = guard(&[], &[]);
        check(&g, Platform::Pdd, "https://img.pddpic.com/goods/images/2025-03-01/abc.jpeg").unwrap();
        check(&g, Platform::Pdd, "http://t00img.yangkeduo.com/goods/images/x.jpeg").unwrap();
        check(&g, Platform::Jd, "https://img14.360buyimg.com/n1/jfs/t1/x.jpg").unwrap();
        check(&g, Platform::Taobao, "https://img.alicdn.com/bao/uploaded/i1/x.jpg").unwrap();
        check(&g, Platform::Taobao, "https://IMG.AliCDN.com:443/x.jpg").unwrap();
        assert!(matches!(
            check(&g, Platform::Jd, "https://img.pddpic.com/x.jpg"),
            Err(FetchError::HostNotAllowed { platform: Platform::Jd, .. })
        ));
        for bad in [
            "https://evilalicdn.com/x.jpg",
            "https://alicdn.com.evil.org/x.jpg",
            "https://img.alicdn.com.evil.org/x.jpg",
            "https://.alicdn.com/x.jpg",
            "https://localhost/x.jpg",
            "https://metadata.google.internal/computeMetadata/v1/",
        ] {
            assert!(
                matches!(
                    check(&g, Platform::Taobao, bad),
                    Err(FetchError::HostNotAllowed { .. }) | Err(FetchError::InvalidUrl)
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn ip_literals_in_any_notation_are_refused() {
        let g = guard(&[("localhost", "127.0.0.1:8080")], &[8080]);
        for bad in [
            "http://127.0.0.1:8080/x.jpg",
            "http://169.254.169.254/latest/meta-data/",
            "http://10.0.0.1/x.jpg",
            "http://[::1]:8080/x.jpg",
            "http://[::ffff:169.254.169.254]/x",
            "http://2130706433/x.jpg",
            "http://0x7f.1/x.jpg",
            "http://0177.0.0.1/x.jpg",
            "https://8.8.8.8/x.jpg",
        ] {
            assert_eq!(check(&g, Platform::Pdd, bad), Err(FetchError::IpLiteral), "{bad}");
        }
    }

    #[test]
    fn schemes_credentials_and_ports_are_checked() {
        let g = guard(&[("cdn.sim.test", "127.0.0.1:4010")], &[8443]);
        assert_eq!(
            check(&g, Platform::Pdd, "ftp://img.pddpic.com/x.jpg"),
            Err(FetchError::SchemeNotAllowed("ftp".into()))
        );
        assert!(matches!(check(&g, Platform::Pdd, "file:///etc/passwd"), Err(FetchError::SchemeNotAllowed(_))));
        assert_eq!(check(&g, Platform::Pdd, "https://user:pw@img.pddpic.com/x.jpg"), Err(FetchError::InvalidUrl));
        assert_eq!(check(&g, Platform::Pdd, "https://img.pddpic.com:22/x.jpg"), Err(FetchError::PortNotAllowed(22)));
        check(&g, Platform::Pdd, "https://img.pddpic.com:8443/x.jpg").unwrap();
        check(&g, Platform::Pdd, "http://img.pddpic.com:80/x.jpg").unwrap();
        assert_eq!(check(&g, Platform::Pdd, "not a url"), Err(FetchError::InvalidUrl));
        let long = format!("https://img.pddpic.com/{}.jpg", "a".repeat(MAX_URL_LEN));
        assert_eq!(check(&g, Platform::Pdd, &long), Err(FetchError::InvalidUrl));
    }

    #[test]
    fn an_override_host_is_allowed_for_every_platform_but_only_on_its_own_port() {
        let g = guard(&[("cdn.sim.test", "127.0.0.1:4010")], &[]);
        for p in Platform::ALL {
            check(&g, p, "http://cdn.sim.test:4010/cdn/pdd/1.jpg").unwrap();
            check(&g, p, "http://cdn.sim.test/cdn/pdd/1.jpg").unwrap();
        }
        assert_eq!(check(&g, Platform::Pdd, "http://cdn.sim.test:22/"), Err(FetchError::PortNotAllowed(22)));
        // Exact names only: a subdomain of an override host is not trusted.
        assert!(matches!(
            check(&g, Platform::Pdd, "http://x.cdn.sim.test:4010/"),
            Err(FetchError::HostNotAllowed { .. })
        ));
    }
}
