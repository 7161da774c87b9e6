//! HTML structure for assertions: the elements a CSS selector matches, with their attributes and
//! text, found by lol_html (the parser quire itself uses on its output). A `contains` on the
//! page text would also pass for the same markup inside a comment, a code sample or another
//! attribute's value.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use lol_html::{EndTagHandler, RewriteStrSettings, doc_text, element, rewrite_str};

#[derive(Debug, Clone, Default)]
pub struct Element {
    pub tag: String,
    /// Values as written (entities are not decoded).
    pub attrs: BTreeMap<String, String>,
    /// The text inside the element, descendants included, as written. Complete only for
    /// elements closed by an end tag, which is what quire writes.
    pub text: String,
}

impl Element {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.get(name).map(String::as_str)
    }

    pub fn has_class(&self, class: &str) -> bool {
        self.attr("class")
            .is_some_and(|c| c.split_ascii_whitespace().any(|c| c == class))
    }
}

/// Every element of `html` that `selector` matches, in document order.
pub fn select(html: &str, selector: &str) -> Vec<Element> {
    let found: RefCell<Vec<Element>> = RefCell::default();
    // Indices into `found` of the matched elements whose end tag has not come yet.
    let open: Rc<RefCell<Vec<usize>>> = Rc::default();
    let settings = RewriteStrSettings::new()
        .append_element_content_handler(element!(selector, |el| {
            let index = found.borrow().len();
            found.borrow_mut().push(Element {
                tag: el.tag_name(),
                attrs: el
                    .attributes()
                    .iter()
                    .map(|a| (a.name(), a.value()))
                    .collect(),
                text: String::new(),
            });
            if let Some(handlers) = el.end_tag_handlers() {
                open.borrow_mut().push(index);
                let open = Rc::clone(&open);
                let close: EndTagHandler<'static> = Box::new(move |_| {
                    open.borrow_mut().retain(|&i| i != index);
                    Ok(())
                });
                handlers.push(close);
            }
            Ok(())
        }))
        .append_document_content_handler(doc_text!(|t| {
            let mut found = found.borrow_mut();
            for &i in open.borrow().iter() {
                found[i].text.push_str(t.as_str());
            }
            Ok(())
        }));
    rewrite_str(html, settings).unwrap_or_else(|e| panic!("selecting {selector}: {e}"));
    found.take()
}
