//! Attribution tags: what a conversion sends to the union so that the orders made through its link come back
//! naming it.
//!
//! A tag has a member part `m<member id>` (stable per member: the Pinduoduo 备案 binds it) and a conversion part
//! `c<attribution_tags row id>` (robot, group and member of that one conversion). Pinduoduo carries them as
//! `custom_parameters` `{"uid":"m42","sid":"c17"}`, JD as `subUnionId` `m42_c17`; on orders both read back as
//! `m42_c17` ([`crate::affiliate::Attribution::joined_tag`]). Tags of earlier versions (`m42`, member only) keep
//! working.

/// A parsed tag; at least one part is present.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tag {
    pub member: Option<i64>,
    pub conversion: Option<i64>,
}

/// Longest id part accepted (18 digits always fit an `i64`).
const MAX_DIGITS: usize = 18;

fn id_after(part: &str, prefix: char) -> Option<i64> {
    let digits = part.strip_prefix(prefix)?;
    (!digits.is_empty() && digits.len() <= MAX_DIGITS && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

impl Tag {
    /// `m<id>`, `c<id>`, `m<id>_c<id>` or a post's `p<id>_c<id>` (no member); anything else is not ours.
    pub fn parse(s: &str) -> Option<Tag> {
        match s.split_once('_') {
            Some((p, c)) if p.starts_with('p') => {
                id_after(p, 'p')?;
                Some(Tag { member: None, conversion: Some(id_after(c, 'c')?) })
            }
            Some((m, c)) => Some(Tag { member: Some(id_after(m, 'm')?), conversion: Some(id_after(c, 'c')?) }),
            None => match id_after(s, 'm') {
                Some(m) => Some(Tag { member: Some(m), conversion: None }),
                None => Some(Tag { member: None, conversion: Some(id_after(s, 'c')?) }),
            },
        }
    }

    /// The member part as sent (`m42`): Pinduoduo `custom_parameters.uid`.
    pub fn member_part(member_id: i64) -> String {
        format!("m{member_id}")
    }

    /// The uid a post (a conversion without a member) sends to Pinduoduo: the 备案 uid of the PID's owner, `p<partner
    /// id>` as the partner page has it 备案, `p0` for the operator's own PIDs. Pinduoduo requires a `uid` to carry a
    /// `sid` at all, so this is what lets a post's orders come back naming the post.
    pub fn owner_part(partner_id: Option<i64>) -> String {
        format!("p{}", partner_id.unwrap_or(0))
    }

    /// The conversion part as sent (`c17`): Pinduoduo `custom_parameters.sid`.
    pub fn conversion_part(tag_id: i64) -> String {
        format!("c{tag_id}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_name_a_member_a_conversion_or_both() {
        assert_eq!(Tag::parse("m42"), Some(Tag { member: Some(42), conversion: None }));
        assert_eq!(Tag::parse("c17"), Some(Tag { member: None, conversion: Some(17) }));
        assert_eq!(Tag::parse("m42_c17"), Some(Tag { member: Some(42), conversion: Some(17) }));
        for not_ours in ["", "m", "c", "42", "m4x", "m42_", "_c17", "m42_m17", "c17_m42", "m42_c17_c18", "x_c1"] {
            assert_eq!(Tag::parse(not_ours), None, "{not_ours}");
        }
        assert_eq!(Tag::parse(&format!("m{}", "9".repeat(19))), None);
        assert_eq!(Tag::parse("relation:2145841445"), None);
    }

    #[test]
    fn a_posts_tag_names_its_conversion_and_no_member() {
        let joined = format!("{}_{}", Tag::owner_part(Some(3)), Tag::conversion_part(17));
        assert_eq!(joined, "p3_c17");
        assert_eq!(Tag::parse(&joined), Some(Tag { member: None, conversion: Some(17) }));
        assert_eq!(Tag::parse("p0_c5"), Some(Tag { member: None, conversion: Some(5) }));
        for not_ours in ["p3", "p_c17", "px_c17", "p3_m17", "p3_c"] {
            assert_eq!(Tag::parse(not_ours), None, "{not_ours}");
        }
    }

    #[test]
    fn joined_parts_parse_back_and_fit_the_unions_limits() {
        let attr = crate::affiliate::Attribution {
            member: Some(Tag::member_part(42)),
            tag: Some(Tag::conversion_part(17)),
            ..crate::affiliate::Attribution::pid_only("1")
        };
        let joined = attr.joined_tag().unwrap();
        assert_eq!(joined, "m42_c17");
        assert_eq!(Tag::parse(&joined), Some(Tag { member: Some(42), conversion: Some(17) }));
        // JD's subUnionId limit (80) and PDD's custom_parameters limit (64 bytes) at the largest ids.
        let big = format!("{}_{}", Tag::member_part(i64::MAX), Tag::conversion_part(i64::MAX));
        assert!(big.len() <= 80);
        let custom = serde_json::json!({"uid": Tag::member_part(i64::MAX), "sid": Tag::conversion_part(i64::MAX)});
        assert!(custom.to_string().len() <= 64, "{custom}");
    }
}
