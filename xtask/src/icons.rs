//! `cargo xtask icons`: every icon the bundles need from `icons/icon.svg` — PNG sizes for Linux,
//! `icon.ico` for Windows and `icon.icns` for macOS (both containers of PNG images, written
//! here: the formats are a header and a directory).

use std::path::Path;
use std::process::Command;

use anyhow::{Context as _, Result, bail};

use crate::{ensure_packages, step};

/// The PNG sizes kept beside the SVG (the Linux bundles and Tauri's window icon).
const PNGS: [(u32, &str); 4] = [
    (32, "32x32.png"),
    (128, "128x128.png"),
    (256, "128x128@2x.png"),
    (512, "icon.png"),
];

/// The sizes in `icon.ico` (Windows: the taskbar, Explorer's views, the installer).
const ICO_SIZES: [u32; 6] = [16, 24, 32, 48, 64, 256];

/// The images in `icon.icns` by type (macOS: the Dock, Finder, the app bundle).
const ICNS_TYPES: [(&[u8; 4], u32); 7] = [
    (b"icp4", 16),
    (b"icp5", 32),
    (b"icp6", 64),
    (b"ic07", 128),
    (b"ic08", 256),
    (b"ic09", 512),
    (b"ic10", 1024),
];

/// Regenerates every icon from `icons/icon.svg` (rsvg-convert renders each size).
pub fn run(root: &Path) -> Result<()> {
    ensure_packages(&["librsvg2-bin"])?;
    let icons = root.join("icons");
    let source = icons.join("icon.svg");
    let render = |size: u32| -> Result<Vec<u8>> {
        let out = Command::new("rsvg-convert")
            .args(["-w", &size.to_string(), "-h", &size.to_string()])
            .arg(&source)
            .output()
            .context("running rsvg-convert")?;
        if !out.status.success() {
            bail!(
                "rsvg-convert at {size} px: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(out.stdout)
    };
    for (size, name) in PNGS {
        step(
            Command::new("rsvg-convert")
                .args(["-w", &size.to_string(), "-h", &size.to_string()])
                .arg(&source)
                .arg("-o")
                .arg(icons.join(name)),
            &format!("rsvg-convert {name}"),
        )?;
    }
    let ico_images = ICO_SIZES
        .iter()
        .map(|&size| Ok((size, render(size)?)))
        .collect::<Result<Vec<_>>>()?;
    std::fs::write(icons.join("icon.ico"), ico(&ico_images)?).context("writing icon.ico")?;
    let icns_images = ICNS_TYPES
        .iter()
        .map(|&(kind, size)| Ok((*kind, render(size)?)))
        .collect::<Result<Vec<_>>>()?;
    std::fs::write(icons.join("icon.icns"), icns(&icns_images)?).context("writing icon.icns")?;
    for copy in ["ui/public/icon.svg", "src-tauri/splash/icon.svg"] {
        std::fs::copy(&source, root.join(copy)).with_context(|| format!("copying to {copy}"))?;
    }
    Ok(())
}

/// A Windows icon: a header, one directory entry per image, then the images (PNG, which Windows
/// reads in icons since Vista). `images` are (size in pixels, PNG bytes).
pub fn ico(images: &[(u32, Vec<u8>)]) -> Result<Vec<u8>> {
    let count = u16::try_from(images.len()).context("too many images for an icon")?;
    let mut out = Vec::new();
    out.extend_from_slice(&0u16.to_le_bytes()); // reserved
    out.extend_from_slice(&1u16.to_le_bytes()); // type: icon
    out.extend_from_slice(&count.to_le_bytes());
    let mut offset = 6 + 16 * u32::from(count);
    for (size, png) in images {
        if *size == 0 || *size > 256 {
            bail!("an icon image is 1 to 256 pixels, not {size}");
        }
        // 256 is written as 0.
        let side = u8::try_from(*size % 256).context("icon size")?;
        out.extend_from_slice(&[side, side, 0, 0]); // width, height, palette, reserved
        out.extend_from_slice(&1u16.to_le_bytes()); // colour planes
        out.extend_from_slice(&32u16.to_le_bytes()); // bits per pixel
        let length = u32::try_from(png.len()).context("icon image too large")?;
        out.extend_from_slice(&length.to_le_bytes());
        out.extend_from_slice(&offset.to_le_bytes());
        offset += length;
    }
    for (_, png) in images {
        out.extend_from_slice(png);
    }
    Ok(out)
}

/// A macOS icon: `icns`, the file's length, then each image as its type, its length (with
/// these 8 bytes) and its PNG bytes; lengths are big-endian.
pub fn icns(images: &[([u8; 4], Vec<u8>)]) -> Result<Vec<u8>> {
    let mut body = Vec::new();
    for (kind, png) in images {
        body.extend_from_slice(kind);
        let length = u32::try_from(png.len() + 8).context("icns image too large")?;
        body.extend_from_slice(&length.to_be_bytes());
        body.extend_from_slice(png);
    }
    let mut out = Vec::with_capacity(body.len() + 8);
    out.extend_from_slice(b"icns");
    let length = u32::try_from(body.len() + 8).context("icns file too large")?;
    out.extend_from_slice(&length.to_be_bytes());
    out.extend_from_slice(&body);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn le16(b: &[u8], at: usize) -> u16 {
        u16::from_le_bytes([b[at], b[at + 1]])
    }
    fn le32(b: &[u8], at: usize) -> usize {
        u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]) as usize
    }
    fn be32(b: &[u8], at: usize) -> usize {
        u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]) as usize
    }

    #[test]
    fn an_ico_lists_each_image_where_it_is() {
        let images = vec![
            (16, b"\x89PNG-small".to_vec()),
            (256, b"\x89PNG-large!".to_vec()),
        ];
        let file = ico(&images).unwrap();
        assert_eq!((le16(&file, 0), le16(&file, 2), le16(&file, 4)), (0, 1, 2));
        for (i, (size, png)) in images.iter().enumerate() {
            let entry = 6 + 16 * i;
            assert_eq!(u32::from(file[entry]), size % 256, "256 is written as 0");
            assert_eq!(le16(&file, entry + 6), 32);
            let (length, offset) = (le32(&file, entry + 8), le32(&file, entry + 12));
            assert_eq!(&file[offset..offset + length], png.as_slice());
        }
        assert!(ico(&[(300, Vec::new())]).is_err());
    }

    #[test]
    fn an_icns_holds_each_image_after_its_type_and_length() {
        let images = vec![
            (*b"icp4", b"\x89PNG-16".to_vec()),
            (*b"ic10", b"\x89PNG-1024".to_vec()),
        ];
        let file = icns(&images).unwrap();
        assert_eq!(&file[..4], b"icns");
        assert_eq!(be32(&file, 4), file.len());
        let mut at = 8;
        for (kind, png) in &images {
            assert_eq!(&file[at..at + 4], kind);
            let length = be32(&file, at + 4);
            assert_eq!(&file[at + 8..at + length], png.as_slice());
            at += length;
        }
        assert_eq!(at, file.len());
    }
}
