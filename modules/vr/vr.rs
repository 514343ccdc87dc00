// SPDX-License-Identifier: GPL-2.0-only

//! Virtual router (VR) contexts.

use kernel::prelude::*;

module! {
    type: VrModule,
    name: "vr",
    authors: ["The vr-linux authors"],
    description: "Virtual router contexts",
    license: "GPL",
}

struct VrModule;

impl kernel::Module for VrModule {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        pr_info!("virtual router contexts\n");
        Ok(VrModule)
    }
}
