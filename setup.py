"""Build of the optional C++ implementation (``fcann2/cpp/src`` -> ``fcann2/cpp/_fcann2_cpp``).

Everything else is declared in pyproject.toml. The extension is a plain C ABI loaded with
ctypes (no Python headers used): ``optional=True`` lets the install succeed without a C++
compiler, and ``cpp`` then says it is not built. Flags: -O3 without -march (the build must
run on any machine of the architecture) and -ffp-contract=off (no fused multiply-adds, whose
rounding would differ from fcann2's and torch's separate multiply and add).
"""
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

SOURCES = ["fcann2/cpp/src/api.cpp"]
HEADERS = ["fcann2/cpp/src/net.hpp", "fcann2/cpp/src/rules.hpp"]
UNIX_FLAGS = ["-std=c++17", "-O3", "-ffp-contract=off", "-fno-math-errno", "-fvisibility=hidden"]


class BuildExt(build_ext):
    """Compiler flags by compiler family (MSVC takes its own)."""

    def build_extensions(self):
        flags = ["/std:c++17", "/O2", "/fp:precise"] if self.compiler.compiler_type == "msvc" else UNIX_FLAGS
        for ext in self.extensions:
            ext.extra_compile_args = flags
        super().build_extensions()

    def get_export_symbols(self, ext):
        return []   # a C ABI, not a Python module: no PyInit_ symbol to export


setup(
    ext_modules=[Extension("fcann2.cpp._fcann2_cpp", SOURCES, depends=HEADERS, language="c++", optional=True)],
    cmdclass={"build_ext": BuildExt},
)
