// Child process of test/vmm/disk.test.ts: boots the guest kernel on a persistent disk, runs a
// command that writes files; the kernel flushes on its way down (machine_halt -> disk_flush).
// Then it says so and waits to be killed (SIGKILL), without closing the disk or its lock.
import { readFileSync } from 'node:fs';
import { Monitor } from '../../vmm/monitor.ts';
import { PersistentDisk } from '../../vmm/disk.ts';
import { DEFAULT_CONFIG } from '../../cpu/config.ts';

const [image, cmdline] = process.argv.slice(2);
const disk = new PersistentDisk(image);
let out = '';
const mon = new Monitor({ ...DEFAULT_CONFIG, timing: { ...DEFAULT_CONFIG.timing }, console: (_vm, b) => { out += String.fromCharCode(b); } });
const vm = mon.createVm({ memBytes: 16 << 20, image: readFileSync('guests/kernel/kernel.elf'), imageName: 'kernel.elf', cmdline, disk });
// Keep the disk open past the VM's end, as a process killed mid-run would.
vm.disk!.close = () => {};
mon.run();
process.stdout.write(`${out}\nflushes ${disk.flushes} written ${disk.bytesWritten}\n`);
setInterval(() => {}, 1000);
