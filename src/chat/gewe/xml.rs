//! A small element tree over quick-xml for the XML the gateway embeds in messages (`<msgsource>`, `<msg><appmsg>`,
//! `<sysmsg>`). Entities and CDATA are resolved into text. Input is untrusted: depth and size are bounded and every
//! malformation is an error, never a panic.

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

/// Deepest nesting accepted (real payloads stay below 10).
const MAX_DEPTH: usize = 48;
/// Most elements accepted in one document.
const MAX_ELEMENTS: usize = 20_000;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    /// The element's own character data (text, entities and CDATA), untrimmed.
    pub text: String,
    pub children: Vec<Element>,
}

#[derive(Debug, thiserror::Error)]
pub(super) enum XmlError {
    #[error("xml: {0}")]
    Syntax(String),
    #[error("xml: nested deeper than {MAX_DEPTH}")]
    TooDeep,
    #[error("xml: more than {MAX_ELEMENTS} elements")]
    TooLarge,
    #[error("xml: no root element")]
    Empty,
}

impl Element {
    /// The first direct child called `name`.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Every direct child called `name`.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// Follows direct children by name.
    pub fn path(&self, names: &[&str]) -> Option<&Element> {
        names.iter().try_fold(self, |el, name| el.child(name))
    }

    /// The trimmed text at a child path, `""` when absent.
    pub fn text_at(&self, names: &[&str]) -> &str {
        self.path(names).map_or("", |el| el.text.trim())
    }

    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// Depth-first search for the first descendant (or self) called `name`.
    pub fn find(&self, name: &str) -> Option<&Element> {
        if self.name == name {
            return Some(self);
        }
        self.children.iter().find_map(|c| c.find(name))
    }
}

/// Parses a document and returns its root element. Text after the root element is ignored.
pub(super) fn parse(xml: &str) -> Result<Element, XmlError> {
    let mut reader = Reader::from_str(xml);
    let mut stack: Vec<Element> = Vec::new();
    let mut count = 0usize;
    loop {
        let event = reader.read_event().map_err(|e| XmlError::Syntax(e.to_string()))?;
        match event {
            Event::Start(start) => {
                count += 1;
                if count > MAX_ELEMENTS {
                    return Err(XmlError::TooLarge);
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(XmlError::TooDeep);
                }
                stack.push(element(&start)?);
            }
            Event::Empty(start) => {
                count += 1;
                if count > MAX_ELEMENTS {
                    return Err(XmlError::TooLarge);
                }
                let el = element(&start)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => return Ok(el),
                }
            }
            Event::End(_) => {
                let Some(el) = stack.pop() else {
                    return Err(XmlError::Syntax("unbalanced end tag".into()));
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => return Ok(el),
                }
            }
            Event::Text(text) => {
                if let Some(el) = stack.last_mut() {
                    el.text.push_str(&text.xml_content().map_err(|e| XmlError::Syntax(e.to_string()))?);
                }
            }
            Event::CData(data) => {
                if let Some(el) = stack.last_mut() {
                    el.text.push_str(&data.xml_content().map_err(|e| XmlError::Syntax(e.to_string()))?);
                }
            }
            Event::GeneralRef(reference) => {
                let Some(el) = stack.last_mut() else { continue };
                if let Some(ch) = reference.resolve_char_ref().map_err(|e| XmlError::Syntax(e.to_string()))? {
                    el.text.push(ch);
                } else {
                    let name = reference.decode().map_err(|e| XmlError::Syntax(e.to_string()))?;
                    match quick_xml::escape::resolve_predefined_entity(&name) {
                        Some(s) => el.text.push_str(s),
                        None => return Err(XmlError::Syntax(format!("unknown entity &{name};"))),
                    }
                }
            }
            Event::Eof => {
                return Err(if stack.is_empty() {
                    XmlError::Empty
                } else {
                    XmlError::Syntax("unclosed element".into())
                });
            }
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
}

fn element(start: &BytesStart<'_>) -> Result<Element, XmlError> {
    let name = String::from_utf8_lossy(start.name().as_ref()).into_owned();
    let mut attrs = Vec::new();
    for attr in start.attributes() {
        let attr = attr.map_err(|e| XmlError::Syntax(e.to_string()))?;
        let key = String::from_utf8_lossy(attr.key.as_ref()).into_owned();
        let value = attr.unescape_value().map_err(|e| XmlError::Syntax(e.to_string()))?.into_owned();
        attrs.push((key, value));
    }
    Ok(Element { name, attrs, text: String::new(), children: Vec::new() })
}

/// The part of a message body where its XML starts: skips junk before the first `<?xml`, `<msg` or `<sysmsg`
/// (rule G10). `None` when there is no such marker.
pub(super) fn xml_start(body: &str) -> Option<&str> {
    ["<?xml", "<msg", "<sysmsg"].iter().filter_map(|m| body.find(m)).min().map(|i| &body[i..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_entities_cdata_and_char_refs() {
        let root = parse("<a><b>x &amp; y&#x4e2d;</b><c><![CDATA[<raw> & ]]></c></a>").unwrap();
        assert_eq!(root.text_at(&["b"]), "x & y中");
        assert_eq!(root.text_at(&["c"]), "<raw> &");
    }

    #[test]
    fn reads_attributes_and_empty_elements() {
        let root = parse(r#"<sysmsg type="pat"><x/><y k="a&amp;b"/></sysmsg>"#).unwrap();
        assert_eq!(root.attr("type"), Some("pat"));
        assert_eq!(root.child("y").and_then(|y| y.attr("k")), Some("a&b"));
        assert!(root.child("x").is_some());
    }

    #[test]
    fn rejects_malformed_and_too_deep_documents() {
        assert!(parse("<a><b></a>").is_err());
        assert!(parse("<a>").is_err());
        assert!(parse("").is_err());
        assert!(parse("<a>&bogus;</a>").is_err());
        let deep = "<a>".repeat(MAX_DEPTH + 1) + &"</a>".repeat(MAX_DEPTH + 1);
        assert!(matches!(parse(&deep), Err(XmlError::TooDeep)));
    }

    #[test]
    fn finds_the_xml_start_after_junk() {
        assert_eq!(xml_start("junk\n<?xml version=\"1.0\"?><msg/>"), Some("<?xml version=\"1.0\"?><msg/>"));
        assert_eq!(xml_start("  <msg><x/></msg>"), Some("<msg><x/></msg>"));
        assert_eq!(xml_start("<sysmsg type=\"pat\"/>"), Some("<sysmsg type=\"pat\"/>"));
        assert_eq!(xml_start("plain text"), None);
    }
}
