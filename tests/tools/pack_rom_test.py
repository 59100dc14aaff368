#!/usr/bin/env python3
"""tools/pack_rom.py from the command line: the images it writes and the inputs it refuses."""
import os
import subprocess
import sys
import tempfile
import unittest

TOOL = sys.argv.pop(1) if len(sys.argv) > 1 else None


def run(*args):
    return subprocess.run([sys.executable, TOOL, *args], capture_output=True, text=True)


class PackRom(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.flat = os.path.join(self.dir.name, "rom.flat")
        self.out = os.path.join(self.dir.name, "rom.img")

    def tearDown(self):
        self.dir.cleanup()

    def pack(self, data):
        with open(self.flat, "wb") as f:
            f.write(data)
        return run(self.flat, self.out)

    def test_pads_to_units_and_zeroes_the_sum(self):
        for length in (7, 511, 512, 513, 1500):
            header = bytes([0x55, 0xAA, 0, 0xCB, 0x90, 0x90, 0])
            data = header + bytes(i % 251 for i in range(len(header), length))
            result = self.pack(data)
            self.assertEqual(result.returncode, 0, result.stderr)
            image = open(self.out, "rb").read()
            units = (length + 511) // 512
            self.assertEqual(len(image), units * 512, length)
            self.assertEqual(image[2], units, length)
            self.assertEqual(sum(image) % 256, 0, length)
            self.assertEqual(image[7:length], data[7:], "the body is kept")
            self.assertEqual(image[length:], bytes(len(image) - length), "zero padding")

    def test_refuses_what_cannot_be_an_option_rom(self):
        for data, reason in ((b"\x55\xab" + bytes(100), "signature"),
                             (b"\x55\xaa\x00", "header"),
                             (b"\x55\xaa" + bytes(255 * 512), "limit")):
            result = self.pack(data)
            self.assertNotEqual(result.returncode, 0, reason)
            self.assertIn(reason, result.stderr)
            self.assertFalse(os.path.exists(self.out), reason)

    def test_the_largest_image_fits(self):
        result = self.pack(b"\x55\xaa" + bytes(255 * 512 - 2))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(open(self.out, "rb").read()[2], 255)

    def test_help_documents_the_tool(self):
        result = run("--help")
        self.assertEqual(result.returncode, 0)
        self.assertIn("checksum", result.stdout)


if __name__ == "__main__":
    unittest.main()
