// virtio-blk self-tests (`run=tests` with a disk) and the two halves of the persistence test
// (`run=blk:write-sig`, then `run=blk:check-sig` in the next boot). Every test leaves the disk
// as it found it, except write-sig, which is what it is for.
#pragma once

namespace kernel::virtio {

// Nothing, and no line, without a disk; otherwise PASS:/FAIL: lines starting "virtio-blk".
void run_blk_selftests(void (*check)(bool ok, const char* name));

// `command` is what follows "blk:" in run=; returns the failures, or -1 for an unknown one.
int run_blk_command(const char* command);

} // namespace kernel::virtio
