//! Uploaded documents: which kinds an application has, and which file types are accepted. The
//! type is read from the content bytes, never from the file name or the upload's Content-Type.

/// At most 25 MB (MiB) per file.
pub const MAX_DOCUMENT_BYTES: usize = 25 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    /// The plan (*plan van aanpak*); submission needs one.
    Plan,
    Attachment,
    /// A partner's signed commitment letter.
    Commitment,
    /// The supplement after the interview round (final round); not part of intake.
    Addendum,
}

impl DocumentKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            DocumentKind::Plan => "plan",
            DocumentKind::Attachment => "attachment",
            DocumentKind::Commitment => "commitment",
            DocumentKind::Addendum => "addendum",
        }
    }

    pub fn parse(s: &str) -> Option<DocumentKind> {
        match s {
            "plan" => Some(DocumentKind::Plan),
            "attachment" => Some(DocumentKind::Attachment),
            "commitment" => Some(DocumentKind::Commitment),
            "addendum" => Some(DocumentKind::Addendum),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    Pdf,
    Docx,
    Odt,
}

impl FileType {
    pub fn media_type(&self) -> &'static str {
        match self {
            FileType::Pdf => "application/pdf",
            FileType::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            FileType::Odt => ODT_MEDIA_TYPE,
        }
    }
}

const ODT_MEDIA_TYPE: &str = "application/vnd.oasis.opendocument.text";
const ZIP_LOCAL_HEADER: &[u8] = b"PK\x03\x04";
const ZIP_CENTRAL_HEADER: &[u8] = b"PK\x01\x02";
const ZIP_END_OF_DIRECTORY: &[u8] = b"PK\x05\x06";

/// What the bytes are: a PDF, a DOCX or an ODT text document; `None` for anything else.
pub fn sniff(bytes: &[u8]) -> Option<FileType> {
    if bytes.starts_with(b"%PDF-") {
        return Some(FileType::Pdf);
    }
    if !bytes.starts_with(ZIP_LOCAL_HEADER) {
        return None;
    }
    if first_entry_is_odt_mimetype(bytes) {
        return Some(FileType::Odt);
    }
    if zip_entry_names(bytes).is_some_and(|names| names.iter().any(|n| *n == b"word/document.xml"))
    {
        return Some(FileType::Docx);
    }
    None
}

fn u16_at(b: &[u8], at: usize) -> Option<usize> {
    let s = b.get(at..at.checked_add(2)?)?;
    Some(usize::from(u16::from_le_bytes([s[0], s[1]])))
}

fn u32_at(b: &[u8], at: usize) -> Option<usize> {
    let s = b.get(at..at.checked_add(4)?)?;
    usize::try_from(u32::from_le_bytes([s[0], s[1], s[2], s[3]])).ok()
}

/// OpenDocument puts an uncompressed entry `mimetype` first, holding the media type.
fn first_entry_is_odt_mimetype(b: &[u8]) -> bool {
    let check = || -> Option<bool> {
        let method = u16_at(b, 8)?;
        let size = u32_at(b, 18)?;
        let name_len = u16_at(b, 26)?;
        let extra_len = u16_at(b, 28)?;
        let name = b.get(30..30 + name_len)?;
        let start = 30 + name_len + extra_len;
        let data = b.get(start..start.checked_add(size)?)?;
        Some(method == 0 && name == b"mimetype" && data == ODT_MEDIA_TYPE.as_bytes())
    };
    check().unwrap_or(false)
}

/// The entry names from the ZIP's central directory, or `None` if it cannot be read.
fn zip_entry_names(b: &[u8]) -> Option<Vec<&[u8]>> {
    // The end-of-directory record is 22 bytes plus a comment of at most 65535 bytes.
    const EOCD_LEN: usize = 22;
    if b.len() < EOCD_LEN {
        return None;
    }
    let earliest = b.len().saturating_sub(EOCD_LEN + 65_535);
    let eocd = (earliest..=b.len() - EOCD_LEN)
        .rev()
        .find(|&i| b[i..].starts_with(ZIP_END_OF_DIRECTORY))?;
    let entries = u16_at(b, eocd + 10)?;
    let mut at = u32_at(b, eocd + 16)?;
    let mut names = Vec::with_capacity(entries);
    for _ in 0..entries {
        if !b.get(at..)?.starts_with(ZIP_CENTRAL_HEADER) {
            return None;
        }
        let name_len = u16_at(b, at + 28)?;
        let extra_len = u16_at(b, at + 30)?;
        let comment_len = u16_at(b, at + 32)?;
        names.push(b.get(at + 46..at + 46 + name_len)?);
        at = at + 46 + name_len + extra_len + comment_len;
    }
    Some(names)
}

/// The file name as stored and offered on download: the last path segment, without control
/// characters or quotes, at most 255 characters.
pub fn clean_filename(name: &str) -> Result<String, &'static str> {
    let last = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last.chars().filter(|c| !c.is_control() && *c != '"').collect();
    let cleaned = cleaned.trim();
    if cleaned.is_empty() || cleaned == "." || cleaned == ".." {
        return Err("a file name is required");
    }
    if cleaned.chars().count() > 255 {
        return Err("a file name has at most 255 characters");
    }
    Ok(cleaned.to_string())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A ZIP with stored (uncompressed) entries, as a test fixture; CRCs are left zero since
    /// sniffing does not read them.
    pub(crate) fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut central = Vec::new();
        for (name, data) in entries {
            let offset = out.len() as u32;
            let mut header = Vec::new();
            header.extend_from_slice(ZIP_LOCAL_HEADER);
            header.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0]); // version, flags, method 0, time, date
            header.extend_from_slice(&0u32.to_le_bytes()); // crc
            header.extend_from_slice(&(data.len() as u32).to_le_bytes());
            header.extend_from_slice(&(data.len() as u32).to_le_bytes());
            header.extend_from_slice(&(name.len() as u16).to_le_bytes());
            header.extend_from_slice(&0u16.to_le_bytes());
            out.extend_from_slice(&header);
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(data);
            central.extend_from_slice(ZIP_CENTRAL_HEADER);
            central.extend_from_slice(&[20, 0]);
            central.extend_from_slice(&header[4..]);
            central.extend_from_slice(&[0; 10]); // comment len, disk, internal and external attributes
            central.extend_from_slice(&offset.to_le_bytes());
            central.extend_from_slice(name.as_bytes());
        }
        let cd_offset = out.len() as u32;
        out.extend_from_slice(&central);
        out.extend_from_slice(ZIP_END_OF_DIRECTORY);
        out.extend_from_slice(&[0, 0, 0, 0]);
        out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        out.extend_from_slice(&(central.len() as u32).to_le_bytes());
        out.extend_from_slice(&cd_offset.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out
    }

    #[test]
    fn recognises_the_three_types_by_content() {
        assert_eq!(sniff(b"%PDF-1.7\n..."), Some(FileType::Pdf));
        let docx =
            zip(&[("[Content_Types].xml", b"<Types/>"), ("word/document.xml", b"<w:document/>")]);
        assert_eq!(sniff(&docx), Some(FileType::Docx));
        let odt = zip(&[
            ("mimetype", ODT_MEDIA_TYPE.as_bytes()),
            ("content.xml", b"<office:document-content/>"),
        ]);
        assert_eq!(sniff(&odt), Some(FileType::Odt));
        assert_eq!(FileType::Odt.media_type(), "application/vnd.oasis.opendocument.text");
    }

    #[test]
    fn refuses_everything_else() {
        assert_eq!(sniff(b""), None);
        assert_eq!(sniff(b"Dit is geen PDF maar tekst.\n"), None);
        assert_eq!(sniff(b" %PDF-1.7"), None, "the marker must open the file");
        assert_eq!(sniff(b"PK\x03\x04"), None, "a truncated ZIP");
        // Other ZIP-based formats: a spreadsheet, an ODF spreadsheet, a plain archive.
        assert_eq!(sniff(&zip(&[("xl/workbook.xml", b"<w/>")])), None);
        assert_eq!(
            sniff(&zip(&[("mimetype", b"application/vnd.oasis.opendocument.spreadsheet")])),
            None
        );
        // The ODT marker must be the first entry.
        assert_eq!(
            sniff(&zip(&[("content.xml", b"x"), ("mimetype", ODT_MEDIA_TYPE.as_bytes())])),
            None
        );
        // A directory that points outside the file.
        let mut broken = zip(&[("word/document.xml", b"x")]);
        let n = broken.len();
        broken[n - 6..n - 2].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(sniff(&broken), None);
    }

    #[test]
    fn file_names_are_cleaned() {
        assert_eq!(clean_filename("plan.pdf").unwrap(), "plan.pdf");
        assert_eq!(
            clean_filename("C:\\Users\\x\\plan van aanpak.pdf").unwrap(),
            "plan van aanpak.pdf"
        );
        assert_eq!(clean_filename("../../etc/passwd").unwrap(), "passwd");
        assert_eq!(clean_filename("a\"b\n.pdf").unwrap(), "ab.pdf");
        assert!(clean_filename("dir/").is_err());
        assert!(clean_filename("  ").is_err());
        assert!(clean_filename(&"x".repeat(256)).is_err());
    }
}
