//! Builds the site: the WASM bundle (cargo for wasm32, then wasm-bindgen as
//! a library, so no separate CLI has to be installed and the versions always
//! match), the stylesheet and public assets, and the server binary.

use crate::paths::Paths;
use crate::process::{cargo, check, step};
use crate::setup;
use anyhow::Context;
use std::path::Path;
use std::process::Command;

/// The bundle's name: the server's HydrationScripts load `pkg/signoff.js`
/// and `pkg/signoff_bg.wasm`.
pub const OUTPUT_NAME: &str = "signoff";

/// Cargo arguments selecting the browser build of `app`. Always `-p app`:
/// a workspace-wide build would unify the `ssr` and `hydrate` features.
pub const WASM_PACKAGE: [&str; 7] = [
    "-p",
    "app",
    "--lib",
    "--target",
    "wasm32-unknown-unknown",
    "--features",
    "hydrate",
];

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// What the demo and the tests run: fast to build.
    Debug,
    /// Size-optimised WASM and an optimised server.
    Release,
}

pub fn build(paths: &Paths, profile: Profile) -> anyhow::Result<()> {
    build_site(paths, profile)?;
    step("building the server");
    let mut server = cargo();
    server.args(["build", "-p", "server", "--bin", "signoff"]);
    if profile == Profile::Release {
        server.arg("--release");
    }
    check(&mut server)
}

/// The browser half: the WASM bundle, the stylesheet and public assets.
pub fn build_site(paths: &Paths, profile: Profile) -> anyhow::Result<()> {
    setup::wasm_target()?;
    if profile == Profile::Release {
        // wasm-opt comes from npm's binaryen (end2end/package.json).
        setup::npm_packages(paths)?;
    }
    build_wasm(paths, profile)?;
    copy_assets(paths)
}

fn build_wasm(paths: &Paths, profile: Profile) -> anyhow::Result<()> {
    step("building the WASM bundle");
    let (cargo_profile, dir) = match profile {
        Profile::Debug => ("dev", "debug"),
        Profile::Release => ("wasm-release", "wasm-release"),
    };
    check(
        cargo()
            .arg("build")
            .args(WASM_PACKAGE)
            .args(["--profile", cargo_profile]),
    )?;
    let wasm = paths
        .target
        .join("wasm32-unknown-unknown")
        .join(dir)
        .join("app.wasm");
    let pkg = paths.site().join("pkg");
    std::fs::create_dir_all(&pkg)?;
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(&wasm)
        .web(true)?
        .typescript(false)
        // The library's default differs from the CLI's; keep the CLI's output.
        .omit_default_module_path(false)
        .out_name(OUTPUT_NAME)
        .generate(&pkg)
        .with_context(|| format!("running wasm-bindgen on {}", wasm.display()))?;
    if profile == Profile::Release {
        optimise(paths, &pkg.join(format!("{OUTPUT_NAME}_bg.wasm")))?;
    }
    Ok(())
}

/// `wasm-opt -Oz` from npm's binaryen, pinned in end2end/package.json
/// (Debian's binaryen 108 corrupts modules of this wasm-bindgen version: it
/// must never be used).
fn optimise(paths: &Paths, wasm: &Path) -> anyhow::Result<()> {
    let wasm_opt = paths.root.join("end2end/node_modules/.bin/wasm-opt");
    step("optimising the WASM bundle (wasm-opt -Oz)");
    check(
        Command::new(wasm_opt)
            .arg("-Oz")
            .arg("--enable-bulk-memory")
            .arg("--enable-nontrapping-float-to-int")
            .arg(wasm)
            .arg("-o")
            .arg(wasm),
    )
}

/// `style/*.css` concatenated into `pkg/signoff.css`; `public/` copied to the site root.
fn copy_assets(paths: &Paths) -> anyhow::Result<()> {
    let site = paths.site();
    let mut sheets: Vec<_> = std::fs::read_dir(paths.root.join("style"))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "css"))
        .collect();
    sheets.sort();
    let mut css = String::new();
    for sheet in sheets {
        css.push_str(&std::fs::read_to_string(&sheet)?);
        css.push('\n');
    }
    std::fs::write(site.join("pkg").join(format!("{OUTPUT_NAME}.css")), css)?;
    for entry in std::fs::read_dir(paths.root.join("public"))? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            std::fs::copy(entry.path(), site.join(entry.file_name()))?;
        }
    }
    Ok(())
}
