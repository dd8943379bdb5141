//! Deflating a document's streams, with the resources that recur from one document to the next
//! (the embedded fonts' subsets, the sRGB profile, a logo) deflated once per process: a call's
//! letters mostly use the same glyphs, so their font programs are byte for byte the same, and
//! deflating them was the largest part of a letter's rendering. The bytes written are exactly
//! those of deflating the stream anew.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, OnceLock};

use lopdf::{Dictionary, Object};

/// The zlib level of the recurring streams, deflated once per process. lopdf's own `compress`
/// uses level 9, which took half of a letter's rendering time for a few percent of its size.
const DEFLATE_LEVEL: u8 = 6;

/// The zlib level of a page's content, deflated anew for every document: a decision letter is
/// rendered ten thousand times in a national call. `tuinier bench letters --count 1500` (4-page
/// letters): level 6 took 0.33 s per 100 letters of 61.2 kB, level 2 0.24 s per 100 of 63.0 kB.
const PAGE_LEVEL: u8 = 2;

/// How many recurring streams are kept (each with its deflated bytes): the fonts' kept subsets
/// (`fonts::subset_for`), the profile and a logo.
const KEPT: usize = 40;

/// A recurring stream's content and its deflated bytes.
struct Entry {
    hash: u64,
    raw: Arc<[u8]>,
    packed: Arc<[u8]>,
    /// When it was last used (a counter), to drop the least recently used.
    used: u64,
}

#[derive(Default)]
struct Kept {
    entries: Vec<Entry>,
    clock: u64,
}

fn kept() -> &'static Mutex<Kept> {
    static KEPT_STREAMS: OnceLock<Mutex<Kept>> = OnceLock::new();
    KEPT_STREAMS.get_or_init(|| Mutex::new(Kept::default()))
}

fn hash_of(bytes: &[u8]) -> u64 {
    let mut h = DefaultHasher::new();
    bytes.hash(&mut h);
    h.finish()
}

/// Whether a stream is a resource that recurs across documents: a font program (`Length1`), an
/// ICC profile (`N`) or an image (and its soft mask). Page contents differ per document.
fn recurs(dict: &Dictionary) -> bool {
    dict.has(b"Length1")
        || dict.has(b"N")
        || dict.get(b"Subtype").and_then(Object::as_name).is_ok_and(|n| n == b"Image")
}

fn deflate(content: &[u8], level: u8) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(content, level)
}

/// The deflated bytes of a recurring stream: kept ones reused, others deflated and kept.
fn deflate_recurring(content: &[u8]) -> Arc<[u8]> {
    let hash = hash_of(content);
    if let Ok(mut k) = kept().lock() {
        k.clock += 1;
        let now = k.clock;
        if let Some(e) = k.entries.iter_mut().find(|e| e.hash == hash && *e.raw == *content) {
            e.used = now;
            return e.packed.clone();
        }
    }
    let packed: Arc<[u8]> = deflate(content, DEFLATE_LEVEL).into();
    if let Ok(mut k) = kept().lock() {
        let used = k.clock;
        let entry = Entry { hash, raw: content.into(), packed: packed.clone(), used };
        if k.entries.len() < KEPT {
            k.entries.push(entry);
        } else if let Some(oldest) = k.entries.iter_mut().min_by_key(|e| e.used) {
            *oldest = entry;
        }
    }
    packed
}

/// Deflates every stream that allows it and is not encoded yet (what lopdf's `compress` does, at
/// [`DEFLATE_LEVEL`] or, for pages, [`PAGE_LEVEL`]); a stream that would not shrink stays as it is.
pub(super) fn compress_streams(doc: &mut lopdf::Document) {
    for object in doc.objects.values_mut() {
        if let Object::Stream(stream) = object
            && stream.allows_compression
            && stream.dict.get(b"Filter").is_err()
        {
            let packed = if recurs(&stream.dict) {
                deflate_recurring(&stream.content).to_vec()
            } else {
                deflate(&stream.content, PAGE_LEVEL)
            };
            if packed.len() + 19 < stream.content.len() {
                stream.dict.set("Filter", "FlateDecode");
                stream.set_content(packed);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A kept stream gives the same bytes as deflating it anew, and a different one its own.
    #[test]
    fn kept_streams_deflate_as_new_ones() {
        let a: Vec<u8> = (0..20_000u32).map(|i| (i % 251) as u8).collect();
        let mut b = a.clone();
        b[10_000] ^= 1;
        assert_eq!(&*deflate_recurring(&a), deflate(&a, DEFLATE_LEVEL).as_slice());
        assert_eq!(&*deflate_recurring(&a), deflate(&a, DEFLATE_LEVEL).as_slice(), "reused");
        assert_eq!(
            &*deflate_recurring(&b),
            deflate(&b, DEFLATE_LEVEL).as_slice(),
            "same hash bucket or not"
        );
        let font = Dictionary::from_iter(vec![("Length1", Object::Integer(3))]);
        let page = Dictionary::new();
        assert!(recurs(&font) && !recurs(&page));
    }

    /// Every stream is deflated, the pages' too (at their own level), and reads back exactly.
    #[test]
    fn every_stream_is_deflated_and_reads_back() {
        let text: Vec<u8> =
            (0..3000).flat_map(|i| format!("BT /F1 10 Tf ({i}) Tj ET\n").into_bytes()).collect();
        let mut doc = lopdf::Document::with_version("1.7");
        let page = doc.add_object(lopdf::Stream::new(Dictionary::new(), text.clone()));
        let font_dict = Dictionary::from_iter(vec![("Length1", Object::Integer(3))]);
        let font = doc.add_object(lopdf::Stream::new(font_dict, text.repeat(2)));
        compress_streams(&mut doc);
        for (id, raw) in [(page, text.clone()), (font, text.repeat(2))] {
            let Ok(Object::Stream(s)) = doc.get_object(id) else { panic!("stream {id:?}") };
            assert_eq!(
                s.dict.get(b"Filter").and_then(Object::as_name).ok(),
                Some(&b"FlateDecode"[..])
            );
            assert!(s.content.len() * 4 < raw.len(), "{} of {}", s.content.len(), raw.len());
            let back = miniz_oxide::inflate::decompress_to_vec_zlib(&s.content).expect("inflates");
            assert_eq!(back, raw);
        }
    }
}
