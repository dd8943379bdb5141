//! A logo in the letterhead: a PNG (8-bit grey, grey with alpha, RGB, RGBA or palette; not
//! interlaced), decoded here with `miniz_oxide` (already in the dependency tree) rather than
//! printpdf's `images` feature, which would pull in the `image` crate and its codecs. SVG is not
//! supported: convert a logo to PNG at about 300 dpi for its printed size. Transparency is kept
//! as a soft mask (allowed in PDF/A-2).
//!
//! ```ignore
//! let logo = Logo::from_png(&bytes, "Logo van het ministerie")?;
//! doc.logo(&logo, pdf::mm(0.0), pdf::mm(40.0)); // at the cursor, 40 mm wide; the cursor moves below it
//! ```

use printpdf::{CurTransMat, Op, XObjectId, XObjectTransform};

use super::{Document, PAGE_HEIGHT, PdfError};

/// A decoded image: 8-bit samples, grey (1 colour) or RGB (3), with an optional alpha channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    pub width: u32,
    pub height: u32,
    pub colors: u8,
    pub samples: Vec<u8>,
    pub alpha: Option<Vec<u8>>,
}

/// A logo with its alternative text (what a screen reader says).
#[derive(Debug, Clone)]
pub struct Logo {
    pub image: Image,
    pub alt: String,
}

impl Logo {
    pub fn from_png(bytes: &[u8], alt: &str) -> Result<Logo, PdfError> {
        Ok(Logo { image: decode_png(bytes)?, alt: alt.to_string() })
    }
}

fn err(msg: &str) -> PdfError {
    PdfError(format!("logo: {msg}"))
}

/// The chunks of a PNG that the decoder reads.
#[derive(Default)]
struct Chunks {
    /// Width, height, bit depth, colour type, interlace method.
    header: Option<(u32, u32, u8, u8, u8)>,
    palette: Vec<u8>,
    transparency: Vec<u8>,
    data: Vec<u8>,
}

fn read_chunks(bytes: &[u8]) -> Result<Chunks, PdfError> {
    const SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    if bytes.len() < 8 || bytes[..8] != SIGNATURE {
        return Err(err("not a PNG file"));
    }
    let mut pos = 8;
    let mut c = Chunks::default();
    while pos + 8 <= bytes.len() {
        let len = u32::from_be_bytes([bytes[pos], bytes[pos + 1], bytes[pos + 2], bytes[pos + 3]])
            as usize;
        let kind = &bytes[pos + 4..pos + 8];
        let body = bytes.get(pos + 8..pos + 8 + len).ok_or_else(|| err("truncated chunk"))?;
        match kind {
            b"IHDR" if len >= 13 => {
                let w = u32::from_be_bytes([body[0], body[1], body[2], body[3]]);
                let h = u32::from_be_bytes([body[4], body[5], body[6], body[7]]);
                c.header = Some((w, h, body[8], body[9], body[12]));
            }
            b"PLTE" => c.palette = body.to_vec(),
            b"tRNS" => c.transparency = body.to_vec(),
            b"IDAT" => c.data.extend_from_slice(body),
            b"IEND" => break,
            _ => {}
        }
        pos += 12 + len;
    }
    Ok(c)
}

/// Decodes a PNG into 8-bit samples.
pub fn decode_png(bytes: &[u8]) -> Result<Image, PdfError> {
    let c = read_chunks(bytes)?;
    let (width, height, depth, color_type, interlace) =
        c.header.ok_or_else(|| err("no IHDR chunk"))?;
    if depth != 8 {
        return Err(err(&format!(
            "bit depth {depth} is not supported; save the PNG with 8 bits per channel"
        )));
    }
    if interlace != 0 {
        return Err(err("interlaced PNGs are not supported"));
    }
    if width == 0 || height == 0 || width > 10_000 || height > 10_000 {
        return Err(err("the image is empty or larger than 10,000 pixels"));
    }
    let channels: usize = match color_type {
        0 => 1,
        2 => 3,
        3 => 1,
        4 => 2,
        6 => 4,
        _ => return Err(err("unknown colour type")),
    };
    let raw = miniz_oxide::inflate::decompress_to_vec_zlib(&c.data)
        .map_err(|_| err("the image data does not inflate"))?;
    let (w, h) = (width as usize, height as usize);
    let stride = w * channels;
    if raw.len() < h * (stride + 1) {
        return Err(err("the image data is short"));
    }
    let pixels = unfilter(&raw, h, stride, channels)?;
    let (samples, alpha) = samples_of(&pixels, channels, color_type, &c)?;
    let colors = if matches!(color_type, 0 | 4) { 1 } else { 3 };
    Ok(Image { width, height, colors, samples, alpha })
}

/// The colour samples of unfiltered pixels, and their alpha when any pixel is not opaque.
fn samples_of(
    pixels: &[u8],
    channels: usize,
    color_type: u8,
    c: &Chunks,
) -> Result<(Vec<u8>, Option<Vec<u8>>), PdfError> {
    let count = pixels.len() / channels;
    let mut samples = Vec::with_capacity(count * 3);
    let mut alpha = Vec::with_capacity(count);
    let mut has_alpha = false;
    for px in pixels.chunks_exact(channels) {
        match color_type {
            0 => samples.push(px[0]),
            2 => samples.extend_from_slice(&px[..3]),
            3 => {
                let i = px[0] as usize;
                let rgb = c
                    .palette
                    .get(i * 3..i * 3 + 3)
                    .ok_or_else(|| err("palette index out of range"))?;
                samples.extend_from_slice(rgb);
                let a = c.transparency.get(i).copied().unwrap_or(255);
                has_alpha |= a != 255;
                alpha.push(a);
            }
            4 => {
                samples.push(px[0]);
                alpha.push(px[1]);
                has_alpha |= px[1] != 255;
            }
            _ => {
                samples.extend_from_slice(&px[..3]);
                alpha.push(px[3]);
                has_alpha |= px[3] != 255;
            }
        }
    }
    Ok((samples, has_alpha.then_some(alpha)))
}

/// Reverses the PNG row filters (None, Sub, Up, Average, Paeth).
fn unfilter(raw: &[u8], height: usize, stride: usize, bpp: usize) -> Result<Vec<u8>, PdfError> {
    let mut out = vec![0u8; height * stride];
    for y in 0..height {
        let filter = raw[y * (stride + 1)];
        let line = &raw[y * (stride + 1) + 1..(y + 1) * (stride + 1)];
        let (done, rest) = out.split_at_mut(y * stride);
        let prev = if y == 0 { None } else { Some(&done[(y - 1) * stride..]) };
        let cur = &mut rest[..stride];
        for x in 0..stride {
            let a = if x >= bpp { cur[x - bpp] } else { 0 };
            let b = prev.map_or(0, |p| p[x]);
            let c = if x >= bpp { prev.map_or(0, |p| p[x - bpp]) } else { 0 };
            let predicted = match filter {
                0 => 0,
                1 => a,
                2 => b,
                3 => ((u16::from(a) + u16::from(b)) / 2) as u8,
                4 => paeth(a, b, c),
                _ => return Err(err("unknown row filter")),
            };
            cur[x] = line[x].wrapping_add(predicted);
        }
    }
    Ok(out)
}

fn paeth(a: u8, b: u8, c: u8) -> u8 {
    let p = i16::from(a) + i16::from(b) - i16::from(c);
    let (pa, pb, pc) =
        ((p - i16::from(a)).abs(), (p - i16::from(b)).abs(), (p - i16::from(c)).abs());
    if pa <= pb && pa <= pc {
        a
    } else if pb <= pc {
        b
    } else {
        c
    }
}

impl Document {
    /// Draws `logo` at the cursor, `x` points from the left margin and `width` points wide (the
    /// height follows from the image), tagged as a figure with its alternative text; the cursor
    /// moves below it. Call it first to put the logo at the top of the first page.
    pub fn logo(&mut self, logo: &Logo, x: f32, width: f32) {
        let img = &logo.image;
        let height = width * img.height as f32 / img.width.max(1) as f32;
        self.ensure(height);
        let name = format!("Logo{}", self.images.len() + 1);
        self.images.push((self.pages.len(), name.clone(), img.clone()));
        let mut ops = std::mem::take(&mut self.ops);
        let figure = self.tags.begin("Figure");
        self.tags.set_alt(figure, &logo.alt);
        self.open_content(&mut ops);
        ops.push(Op::SaveGraphicsState);
        ops.push(Op::SetTransformationMatrix {
            matrix: CurTransMat::Raw([
                width,
                0.0,
                0.0,
                height,
                super::MARGIN_LEFT + x,
                PAGE_HEIGHT - self.y - height,
            ]),
        });
        ops.push(Op::UseXobject {
            id: XObjectId(name),
            transform: XObjectTransform { no_auto_scale: true, ..Default::default() },
        });
        ops.push(Op::RestoreGraphicsState);
        ops.push(Op::EndMarkedContent);
        self.tags.end();
        self.ops = ops;
        self.y += height;
    }
}

/// Adds `img` to `doc` as an image XObject (with a soft mask for its alpha) and returns its id.
pub(super) fn image_object(doc: &mut lopdf::Document, img: &Image) -> lopdf::ObjectId {
    use lopdf::{Dictionary, Object, Stream};
    let base = |colors: u8| {
        Dictionary::from_iter(vec![
            ("Type", Object::Name(b"XObject".to_vec())),
            ("Subtype", Object::Name(b"Image".to_vec())),
            ("Width", Object::Integer(i64::from(img.width))),
            ("Height", Object::Integer(i64::from(img.height))),
            (
                "ColorSpace",
                Object::Name(if colors == 1 {
                    b"DeviceGray".to_vec()
                } else {
                    b"DeviceRGB".to_vec()
                }),
            ),
            ("BitsPerComponent", Object::Integer(8)),
        ])
    };
    let mut dict = base(img.colors);
    if let Some(alpha) = &img.alpha {
        let mask = doc.add_object(Stream::new(base(1), alpha.clone()));
        dict.set("SMask", Object::Reference(mask));
    }
    doc.add_object(Stream::new(dict, img.samples.clone()))
}

/// Adds image XObjects to a page's resources (inline or referenced).
pub(super) fn add_xobjects(
    doc: &mut lopdf::Document,
    page: lopdf::ObjectId,
    images: Vec<(String, lopdf::ObjectId)>,
) -> Result<(), PdfError> {
    use lopdf::{Dictionary, Object};
    let e = |e: lopdf::Error| PdfError(e.to_string());
    let resources = doc
        .get_dictionary(page)
        .map_err(e)?
        .get(b"Resources")
        .cloned()
        .unwrap_or(Object::Dictionary(Dictionary::new()));
    let mut dict = match &resources {
        Object::Reference(id) => doc.get_dictionary(*id).map_err(e)?.clone(),
        Object::Dictionary(d) => d.clone(),
        _ => Dictionary::new(),
    };
    let mut xobjects = match dict.get(b"XObject") {
        Ok(Object::Dictionary(d)) => d.clone(),
        _ => Dictionary::new(),
    };
    for (name, id) in images {
        xobjects.set(name, Object::Reference(id));
    }
    dict.set("XObject", Object::Dictionary(xobjects));
    match resources {
        Object::Reference(id) => {
            doc.objects.insert(id, Object::Dictionary(dict));
        }
        _ => {
            doc.get_object_mut(page)
                .and_then(Object::as_dict_mut)
                .map_err(e)?
                .set("Resources", Object::Dictionary(dict));
        }
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A PNG written by hand: 2×2 RGBA, rows filtered with Sub and Up.
    pub(crate) fn tiny_png() -> Vec<u8> {
        let rows: Vec<u8> = vec![
            1, 255, 0, 0, 128, 1, 1, 0, 127, // Sub
            2, 0, 0, 255, 0, 0, 0, 255, 0, // Up: adds the row above
        ];
        let compressed = miniz_oxide::deflate::compress_to_vec_zlib(&rows, 6);
        let mut png = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
        let mut chunk = |kind: &[u8], body: &[u8]| {
            png.extend_from_slice(&(body.len() as u32).to_be_bytes());
            png.extend_from_slice(kind);
            png.extend_from_slice(body);
            png.extend_from_slice(&[0, 0, 0, 0]); // CRC, not checked
        };
        chunk(b"IHDR", &[0, 0, 0, 2, 0, 0, 0, 2, 8, 6, 0, 0, 0]);
        chunk(b"IDAT", &compressed);
        chunk(b"IEND", &[]);
        png
    }

    #[test]
    fn decodes_filtered_rgba() {
        let img = decode_png(&tiny_png()).unwrap();
        assert_eq!((img.width, img.height, img.colors), (2, 2, 3));
        // Row 0: (255,0,0,255), then Sub adds it to (1,1,0,0): (0,1,0,255) with wrapping.
        assert_eq!(&img.samples[..6], &[255, 0, 0, 0, 1, 0]);
        // Row 1: Up adds row 0 to (0,0,255,0) and (0,0,255,0).
        assert_eq!(&img.samples[6..], &[255, 0, 255, 0, 1, 255]);
        assert_eq!(img.alpha, Some(vec![128, 255, 128, 255]), "alpha kept for a soft mask");
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        assert!(decode_png(b"<svg/>").is_err());
        let mut png = tiny_png();
        png[24] = 16; // bit depth
        assert!(decode_png(&png).unwrap_err().0.contains("bit depth"));
    }
}
