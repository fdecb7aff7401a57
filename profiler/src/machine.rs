//! Facts about the machine a profile was taken on, so comparisons can warn when they differ.

use serde::{Deserialize, Serialize};

/// The machine a profile or baseline was recorded on, read by [`MachineInfo::current`] and
/// compared by [`MachineInfo::differences`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MachineInfo {
    /// CPU model name (`model name` in `/proc/cpuinfo`), else the architecture (`x86_64`, …).
    pub cpu_model: String,
    /// Logical cores available to the process (`std::thread::available_parallelism`), at least 1.
    pub cores: usize,
    /// Total memory in bytes (`MemTotal` of `/proc/meminfo`); 0 when unknown.
    pub memory_bytes: u64,
    /// Operating system (`PRETTY_NAME` of `/etc/os-release`), else `std::env::consts::OS`.
    pub os: String,
    /// Host name (`/etc/hostname`), empty when unknown; shown, never compared.
    pub hostname: String,
}

impl MachineInfo {
    /// Reads the current machine (Linux `/proc`; other systems get what `std` knows).
    pub fn current() -> MachineInfo {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu_model = cpuinfo
            .lines()
            .find_map(|line| line.strip_prefix("model name"))
            .and_then(|rest| rest.split_once(':'))
            .map(|(_, model)| model.trim().to_string())
            .unwrap_or_else(|| std::env::consts::ARCH.to_string());
        let memory_bytes = std::fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|meminfo| {
                meminfo.lines().find_map(|line| {
                    let kib = line.strip_prefix("MemTotal:")?.trim().strip_suffix("kB")?;
                    kib.trim().parse::<u64>().ok().map(|kib| kib * 1024)
                })
            })
            .unwrap_or(0);
        let os_release = std::fs::read_to_string("/etc/os-release").unwrap_or_default();
        let os = os_release
            .lines()
            .find_map(|line| line.strip_prefix("PRETTY_NAME="))
            .map(|name| name.trim_matches('"').to_string())
            .unwrap_or_else(|| std::env::consts::OS.to_string());
        let hostname = std::fs::read_to_string("/etc/hostname")
            .map(|name| name.trim().to_string())
            .unwrap_or_default();
        MachineInfo {
            cpu_model,
            cores: std::thread::available_parallelism().map_or(1, usize::from),
            memory_bytes,
            os,
            hostname,
        }
    }

    /// Human-readable differences that make timings incomparable (hostname is ignored).
    pub fn differences(&self, other: &MachineInfo) -> Vec<String> {
        let mut differences = Vec::new();
        if self.cpu_model != other.cpu_model {
            differences.push(format!("CPU {} vs {}", self.cpu_model, other.cpu_model));
        }
        if self.cores != other.cores {
            differences.push(format!("{} vs {} cores", self.cores, other.cores));
        }
        if self.memory_bytes.abs_diff(other.memory_bytes) > other.memory_bytes / 10 {
            differences.push(format!(
                "memory {} MiB vs {} MiB",
                self.memory_bytes >> 20,
                other.memory_bytes >> 20
            ));
        }
        if self.os != other.os {
            differences.push(format!("OS {} vs {}", self.os, other.os));
        }
        differences
    }
}
