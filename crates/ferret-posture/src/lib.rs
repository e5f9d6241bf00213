//! Mitigation posture: for each mitigation ATT&CK lists for T1505, whether a
//! server has it in place (met, not met, unknown), with the evidence read.
