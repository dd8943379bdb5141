//! The logical structure of a tagged PDF: what the document builder draws is marked in the page
//! content (`/P <</MCID 3>> BDC … EMC`) and recorded here as a tree of structure elements
//! (`Document` › `H1`, `P`, `L` › `LI` › `Lbl`/`LBody`, `Table` › `TR` › `TH`/`TD`, `Figure`),
//! in reading order. [`Tree::write`] turns it into the catalog's `StructTreeRoot` with its
//! `ParentTree`, so that a screen reader reads the letter in the order it was written.
//! Headers, footers, page numbers, rules and repeated table headers are artifacts, not content.

use std::collections::BTreeMap;

use lopdf::{Dictionary, Object, ObjectId, StringFormat};

/// A reference from a structure element to marked content on a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kid {
    Element(usize),
    Content { page: usize, mcid: i64 },
}

#[derive(Debug, Clone)]
pub struct Element {
    pub tag: &'static str,
    pub kids: Vec<Kid>,
    /// Alternative text (for a figure such as a logo).
    pub alt: Option<String>,
    /// The header cell's scope (`Column` or `Row`), for `TH`.
    pub scope: Option<&'static str>,
}

/// The structure tree under construction: element 0 is the `Document`; new elements open under
/// the innermost open one.
#[derive(Debug, Clone)]
pub struct Tree {
    elements: Vec<Element>,
    open: Vec<usize>,
}

impl Default for Tree {
    fn default() -> Tree {
        Tree::new()
    }
}

impl Tree {
    pub fn new() -> Tree {
        Tree {
            elements: vec![Element { tag: "Document", kids: Vec::new(), alt: None, scope: None }],
            open: vec![0],
        }
    }

    fn current(&self) -> usize {
        self.open.last().copied().unwrap_or(0)
    }

    /// The tag of the innermost open element.
    pub fn current_tag(&self) -> &'static str {
        self.elements[self.current()].tag
    }

    /// Opens an element under the current one and makes it current.
    pub fn begin(&mut self, tag: &'static str) -> usize {
        let id = self.elements.len();
        self.elements.push(Element { tag, kids: Vec::new(), alt: None, scope: None });
        let parent = self.current();
        self.elements[parent].kids.push(Kid::Element(id));
        self.open.push(id);
        id
    }

    /// Closes the current element (never the document).
    pub fn end(&mut self) {
        if self.open.len() > 1 {
            self.open.pop();
        }
    }

    pub fn set_alt(&mut self, id: usize, alt: &str) {
        if let Some(e) = self.elements.get_mut(id) {
            e.alt = Some(alt.to_string());
        }
    }

    pub fn set_scope(&mut self, id: usize, scope: &'static str) {
        if let Some(e) = self.elements.get_mut(id) {
            e.scope = Some(scope);
        }
    }

    /// Records marked content `mcid` of page `page` (0-based) as the next kid of the current
    /// element.
    pub fn mark(&mut self, page: usize, mcid: i64) {
        let current = self.current();
        self.elements[current].kids.push(Kid::Content { page, mcid });
    }

    pub fn elements(&self) -> &[Element] {
        &self.elements
    }

    /// Writes the tree into `doc`: the structure elements, the `ParentTree` (page `i` has
    /// `/StructParents i`), and returns the `StructTreeRoot`'s id. Elements without content are
    /// left out.
    pub fn write(&self, doc: &mut lopdf::Document, pages: &[ObjectId]) -> ObjectId {
        let root_id = doc.new_object_id();
        let ids: Vec<ObjectId> = self.elements.iter().map(|_| doc.new_object_id()).collect();
        let parents = self.parents();
        let has_content = self.has_content();
        // Per page, the element that owns each MCID.
        let mut parent_tree: BTreeMap<usize, BTreeMap<i64, ObjectId>> = BTreeMap::new();
        for (i, e) in self.elements.iter().enumerate() {
            if !has_content[i] {
                continue;
            }
            let mut kids = Vec::new();
            let mut first_page = None;
            for k in &e.kids {
                match *k {
                    Kid::Element(c) if has_content[c] => kids.push(Object::Reference(ids[c])),
                    Kid::Element(_) => {}
                    Kid::Content { page, mcid } => {
                        let Some(page_id) = pages.get(page) else {
                            continue;
                        };
                        first_page.get_or_insert(*page_id);
                        parent_tree.entry(page).or_default().insert(mcid, ids[i]);
                        kids.push(Object::Dictionary(Dictionary::from_iter(vec![
                            ("Type", Object::Name(b"MCR".to_vec())),
                            ("Pg", Object::Reference(*page_id)),
                            ("MCID", Object::Integer(mcid)),
                        ])));
                    }
                }
            }
            let parent = match parents[i] {
                Some(p) => Object::Reference(ids[p]),
                None => Object::Reference(root_id),
            };
            let mut dict = Dictionary::from_iter(vec![
                ("Type", Object::Name(b"StructElem".to_vec())),
                ("S", Object::Name(e.tag.as_bytes().to_vec())),
                ("P", parent),
                ("K", Object::Array(kids)),
            ]);
            if let Some(page_id) = first_page {
                dict.set("Pg", Object::Reference(page_id));
            }
            if let Some(alt) = &e.alt {
                dict.set("Alt", text_string(alt));
            }
            if let Some(scope) = e.scope {
                dict.set(
                    "A",
                    Object::Dictionary(Dictionary::from_iter(vec![
                        ("O", Object::Name(b"Table".to_vec())),
                        ("Scope", Object::Name(scope.as_bytes().to_vec())),
                    ])),
                );
            }
            doc.objects.insert(ids[i], Object::Dictionary(dict));
        }
        let parent_tree_id = write_parent_tree(doc, pages.len(), &parent_tree);
        let root = Dictionary::from_iter(vec![
            ("Type", Object::Name(b"StructTreeRoot".to_vec())),
            ("K", Object::Reference(ids[0])),
            ("ParentTree", Object::Reference(parent_tree_id)),
            ("ParentTreeNextKey", Object::Integer(pages.len() as i64)),
        ]);
        doc.objects.insert(root_id, Object::Dictionary(root));
        root_id
    }

    /// The parent of each element (`None` for the document).
    fn parents(&self) -> Vec<Option<usize>> {
        let mut parents: Vec<Option<usize>> = vec![None; self.elements.len()];
        for (i, e) in self.elements.iter().enumerate() {
            for k in &e.kids {
                if let Kid::Element(c) = k {
                    parents[*c] = Some(i);
                }
            }
        }
        parents
    }

    /// Whether each element has marked content somewhere below it (the document always has).
    fn has_content(&self) -> Vec<bool> {
        let mut memo = vec![None; self.elements.len()];
        fn visit(t: &Tree, i: usize, memo: &mut Vec<Option<bool>>) -> bool {
            if let Some(v) = memo[i] {
                return v;
            }
            let mut any = false;
            for k in &t.elements[i].kids {
                any |= match *k {
                    Kid::Content { .. } => true,
                    Kid::Element(c) => visit(t, c, memo),
                };
            }
            memo[i] = Some(any);
            any
        }
        let mut out: Vec<bool> =
            (0..self.elements.len()).map(|i| visit(self, i, &mut memo)).collect();
        out[0] = true;
        out
    }
}

/// A PDF text string: ASCII as is, anything else as UTF-16BE with a byte order mark.
pub fn text_string(s: &str) -> Object {
    if s.is_ascii() {
        return Object::String(s.as_bytes().to_vec(), StringFormat::Literal);
    }
    let mut bytes = vec![0xFE, 0xFF];
    for unit in s.encode_utf16() {
        bytes.extend_from_slice(&unit.to_be_bytes());
    }
    Object::String(bytes, StringFormat::Hexadecimal)
}

/// The `ParentTree`: for each of `pages` pages, the element that owns each MCID.
fn write_parent_tree(
    doc: &mut lopdf::Document,
    pages: usize,
    parent_tree: &BTreeMap<usize, BTreeMap<i64, ObjectId>>,
) -> ObjectId {
    let mut nums = Vec::new();
    for page in 0..pages {
        let owners = parent_tree.get(&page);
        let count = owners.and_then(|o| o.keys().next_back()).map_or(0, |m| *m + 1);
        let array: Vec<Object> = (0..count)
            .map(|mcid| {
                owners.and_then(|o| o.get(&mcid)).map_or(Object::Null, |id| Object::Reference(*id))
            })
            .collect();
        nums.push(Object::Integer(page as i64));
        nums.push(Object::Reference(doc.add_object(Object::Array(array))));
    }
    doc.add_object(Dictionary::from_iter(vec![("Nums", Object::Array(nums))]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nests_elements_in_reading_order() {
        let mut t = Tree::new();
        t.begin("H1");
        t.mark(0, 0);
        t.end();
        let table = t.begin("Table");
        let row = t.begin("TR");
        let th = t.begin("TH");
        t.set_scope(th, "Column");
        t.mark(0, 1);
        t.end();
        t.end();
        t.end();
        t.begin("P");
        t.end();
        assert_eq!(t.elements()[0].kids, [Kid::Element(1), Kid::Element(table), Kid::Element(5)]);
        assert_eq!(t.elements()[row].kids, [Kid::Element(th)]);
        assert_eq!(t.has_content(), [true, true, true, true, true, false]);
        t.end();
        t.end();
        assert_eq!(t.current_tag(), "Document", "the document is never closed");
    }

    #[test]
    fn writes_a_parent_tree_per_page() {
        let mut doc = lopdf::Document::with_version("1.7");
        let pages = [doc.new_object_id(), doc.new_object_id()];
        let mut t = Tree::new();
        t.begin("P");
        t.mark(0, 0);
        t.mark(1, 0);
        t.end();
        let root = t.write(&mut doc, &pages);
        let root = doc.get_dictionary(root).unwrap();
        let pt =
            doc.get_dictionary(root.get(b"ParentTree").unwrap().as_reference().unwrap()).unwrap();
        assert_eq!(pt.get(b"Nums").unwrap().as_array().unwrap().len(), 4);
    }
}
