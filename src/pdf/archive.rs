//! The archival identity of every PDF (PDF/A-2b): document information (Title, Author, Creator,
//! Producer, CreationDate) and the same in XMP metadata with the PDF/A identification, an sRGB
//! output intent with an embedded ICC profile (`assets/icc/sRGB.icc`, licence beside it), the
//! language, and a file identifier derived from the content, so that the same inputs give the
//! same bytes. printpdf 0.12's own metadata is replaced: it writes an empty `GTS_PDFXVersion`, a
//! random identifier and dates of 1970.

use chrono::{DateTime, NaiveDate, Utc};
use lopdf::{Dictionary, Object, ObjectId, Stream, StringFormat};
use sha2::{Digest, Sha256};

use super::Document;
use super::tags::text_string;

static SRGB_ICC: &[u8] = include_bytes!("../../assets/icc/sRGB.icc");

/// What the document says about itself.
#[derive(Debug, Clone)]
pub struct Metadata {
    pub title: String,
    /// Who is responsible for the content: the deciding body, or the programme.
    pub author: String,
    pub subject: Option<String>,
    /// The application that composed it.
    pub creator: String,
    /// What wrote the PDF.
    pub producer: String,
    /// The date it bears (a letter: its decision date); without one, no date is written.
    pub created: Option<DateTime<Utc>>,
    /// BCP 47 language tag.
    pub lang: String,
}

impl Metadata {
    pub fn new(title: &str, author: &str) -> Metadata {
        Metadata {
            title: title.to_string(),
            author: author.to_string(),
            subject: None,
            creator: "Tuinier".to_string(),
            producer: format!("Tuinier {} (printpdf 0.12, lopdf 0.44)", env!("CARGO_PKG_VERSION")),
            created: None,
            lang: "nl-NL".to_string(),
        }
    }
}

/// `D:20220915000000Z`
fn pdf_date(d: DateTime<Utc>) -> String {
    d.format("D:%Y%m%d%H%M%SZ").to_string()
}

/// `2022-09-15T00:00:00Z`
fn xmp_date(d: DateTime<Utc>) -> String {
    d.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn xml_escape(s: &str) -> String {
    s.chars().filter(|c| !c.is_control() || *c == '\n' || *c == '\t').fold(
        String::with_capacity(s.len()),
        |mut out, c| {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                _ => out.push(c),
            }
            out
        },
    )
}

/// The XMP packet: Dublin Core title, creator and description, the XMP dates and tool, the PDF
/// producer, and the PDF/A-2b identification.
pub fn xmp(m: &Metadata, document_id: &str) -> String {
    let mut fields = String::new();
    let lang = xml_escape(&m.lang);
    fields.push_str(&format!(
        "   <dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">{}</rdf:li></rdf:Alt></dc:title>\n",
        xml_escape(&m.title)
    ));
    fields.push_str(&format!(
        "   <dc:creator><rdf:Seq><rdf:li>{}</rdf:li></rdf:Seq></dc:creator>\n",
        xml_escape(&m.author)
    ));
    if let Some(s) = &m.subject {
        fields.push_str(&format!(
            "   <dc:description><rdf:Alt><rdf:li xml:lang=\"x-default\">{}</rdf:li></rdf:Alt></dc:description>\n",
            xml_escape(s)
        ));
    }
    fields.push_str(&format!(
        "   <dc:language><rdf:Bag><rdf:li>{lang}</rdf:li></rdf:Bag></dc:language>\n"
    ));
    fields.push_str("   <dc:format>application/pdf</dc:format>\n");
    if let Some(d) = m.created {
        fields.push_str(&format!("   <xmp:CreateDate>{}</xmp:CreateDate>\n", xmp_date(d)));
        fields.push_str(&format!("   <xmp:ModifyDate>{}</xmp:ModifyDate>\n", xmp_date(d)));
        fields.push_str(&format!("   <xmp:MetadataDate>{}</xmp:MetadataDate>\n", xmp_date(d)));
    }
    fields.push_str(&format!("   <xmp:CreatorTool>{}</xmp:CreatorTool>\n", xml_escape(&m.creator)));
    fields.push_str(&format!("   <pdf:Producer>{}</pdf:Producer>\n", xml_escape(&m.producer)));
    fields.push_str(&format!("   <xmpMM:DocumentID>uuid:{document_id}</xmpMM:DocumentID>\n"));
    fields.push_str(&format!("   <xmpMM:InstanceID>uuid:{document_id}</xmpMM:InstanceID>\n"));
    fields.push_str(
        "   <pdfaid:part>2</pdfaid:part>\n   <pdfaid:conformance>B</pdfaid:conformance>\n",
    );
    format!(
        "<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n\
         <x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n\
         <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n\
         <rdf:Description rdf:about=\"\"\n\
         \x20   xmlns:dc=\"http://purl.org/dc/elements/1.1/\"\n\
         \x20   xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\"\n\
         \x20   xmlns:xmpMM=\"http://ns.adobe.com/xap/1.0/mm/\"\n\
         \x20   xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\"\n\
         \x20   xmlns:pdfaid=\"http://www.aiim.org/pdfa/ns/id/\">\n\
         {fields}</rdf:Description>\n\
         </rdf:RDF>\n\
         </x:xmpmeta>\n\
         <?xpacket end=\"r\"?>"
    )
}

/// A UUID-shaped identifier from a digest.
fn uuid_of(digest: &[u8]) -> String {
    let h = crate::domain::digest::hex(&digest[..digest.len().min(16)]);
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

/// Rewrites the document's identity in place: version, Info, XMP, output intent, language, the
/// tagged-PDF markers (`MarkInfo`, `StructTreeRoot`), and the file identifier.
pub fn apply(
    doc: &mut lopdf::Document,
    m: &Metadata,
    struct_tree_root: Option<ObjectId>,
) -> Result<(), String> {
    doc.version = "1.7".to_string();
    let digest = identity(doc, m);
    let document_id = uuid_of(&digest);
    set_info(doc, m, &digest);

    // PDF/A: the metadata stream is not compressed.
    let xmp = Stream::new(
        Dictionary::from_iter(vec![
            ("Type", Object::Name(b"Metadata".to_vec())),
            ("Subtype", Object::Name(b"XML".to_vec())),
        ]),
        xmp(m, &document_id).into_bytes(),
    )
    .with_compression(false);
    let xmp_id = doc.add_object(xmp);
    let intent = output_intent(doc);

    let catalog_id = doc
        .trailer
        .get(b"Root")
        .and_then(Object::as_reference)
        .map_err(|e| format!("no catalog: {e}"))?;
    let catalog = doc
        .get_object_mut(catalog_id)
        .and_then(Object::as_dict_mut)
        .map_err(|e| format!("no catalog: {e}"))?;
    catalog.remove(b"OutputIntents");
    catalog.set("Metadata", Object::Reference(xmp_id));
    catalog.set("OutputIntents", Object::Array(vec![Object::Dictionary(intent)]));
    catalog.set("Lang", text_string(&m.lang));
    catalog.set(
        "ViewerPreferences",
        Object::Dictionary(Dictionary::from_iter(vec![("DisplayDocTitle", Object::Boolean(true))])),
    );
    if let Some(root) = struct_tree_root {
        catalog.set(
            "MarkInfo",
            Object::Dictionary(Dictionary::from_iter(vec![("Marked", Object::Boolean(true))])),
        );
        catalog.set("StructTreeRoot", Object::Reference(root));
    }
    Ok(())
}

/// The document's identity: a digest of the metadata and every page's content, so the same
/// letter gets the same identifier and another letter another.
fn identity(doc: &lopdf::Document, m: &Metadata) -> Vec<u8> {
    let mut hash = Sha256::new();
    for part in [&m.title, &m.author, &m.creator, &m.lang] {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    if let Some(d) = m.created {
        hash.update(d.to_rfc3339().as_bytes());
    }
    for (_, page_id) in doc.get_pages() {
        hash.update(doc.get_page_content(page_id));
    }
    hash.finalize().to_vec()
}

/// The Info dictionary and the trailer's file identifier (from `digest`).
fn set_info(doc: &mut lopdf::Document, m: &Metadata, digest: &[u8]) {
    let mut info = Dictionary::new();
    info.set("Title", text_string(&m.title));
    info.set("Author", text_string(&m.author));
    if let Some(s) = &m.subject {
        info.set("Subject", text_string(s));
    }
    info.set("Creator", text_string(&m.creator));
    info.set("Producer", text_string(&m.producer));
    if let Some(d) = m.created {
        info.set("CreationDate", Object::String(pdf_date(d).into_bytes(), StringFormat::Literal));
        info.set("ModDate", Object::String(pdf_date(d).into_bytes(), StringFormat::Literal));
    }
    let info_id = match doc.trailer.get(b"Info").and_then(Object::as_reference) {
        Ok(id) => {
            doc.objects.insert(id, Object::Dictionary(info));
            id
        }
        Err(_) => doc.add_object(info),
    };
    doc.trailer.set("Info", Object::Reference(info_id));
    doc.trailer.set(
        "ID",
        Object::Array(vec![
            Object::String(digest[..16].to_vec(), StringFormat::Hexadecimal),
            Object::String(digest[..16].to_vec(), StringFormat::Hexadecimal),
        ]),
    );
}

/// The sRGB output intent of PDF/A, its ICC profile added to `doc`.
fn output_intent(doc: &mut lopdf::Document) -> Dictionary {
    let icc =
        Stream::new(Dictionary::from_iter(vec![("N", Object::Integer(3))]), SRGB_ICC.to_vec());
    let icc_id = doc.add_object(icc);
    Dictionary::from_iter(vec![
        ("Type", Object::Name(b"OutputIntent".to_vec())),
        ("S", Object::Name(b"GTS_PDFA1".to_vec())),
        (
            "OutputConditionIdentifier",
            Object::String(b"sRGB IEC61966-2.1".to_vec(), StringFormat::Literal),
        ),
        ("RegistryName", Object::String(b"http://www.color.org".to_vec(), StringFormat::Literal)),
        ("Info", Object::String(b"sRGB IEC61966-2.1".to_vec(), StringFormat::Literal)),
        ("DestinationOutputProfile", Object::Reference(icc_id)),
    ])
}

impl Document {
    /// The document's author (Info and XMP): the deciding body or the programme. By default the
    /// header's right part, or else its left.
    pub fn set_author(&mut self, author: &str) {
        self.meta.author = author.trim().to_string();
    }

    /// The document's subject (Info and XMP).
    pub fn set_subject(&mut self, subject: &str) {
        self.meta.subject = Some(subject.trim().to_string());
    }

    /// The date the document bears (a letter: its decision date), as its creation date at
    /// midnight UTC. Without a date none is written (never 1970).
    pub fn set_created_on(&mut self, date: NaiveDate) {
        self.meta.created = Some(date.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc());
    }

    /// The moment the document was made (a report), as its creation date.
    pub fn set_created_at(&mut self, at: DateTime<Utc>) {
        self.meta.created = Some(at);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn writes_dates_and_escapes_text() {
        let d = Utc.with_ymd_and_hms(2022, 9, 15, 0, 0, 0).unwrap();
        assert_eq!(pdf_date(d), "D:20220915000000Z");
        let mut m = Metadata::new("Besluit <A & B>", "De Minister");
        m.created = Some(d);
        let x = xmp(&m, "0");
        assert!(x.contains("Besluit &lt;A &amp; B&gt;"), "{x}");
        assert!(x.contains("<xmp:CreateDate>2022-09-15T00:00:00Z</xmp:CreateDate>"), "{x}");
        assert!(
            x.contains("<pdfaid:part>2</pdfaid:part>")
                && x.contains("<pdfaid:conformance>B</pdfaid:conformance>")
        );
        assert!(!x.contains("GTS_PDFX"));
        assert_eq!(uuid_of(&[0xab; 32]).len(), 36);
    }
}
