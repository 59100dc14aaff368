#include "kvm/host_cpu.hpp"

#include <fstream>
#include <sstream>

namespace vmm {

std::string host_virtualization_extension() {
    std::ifstream in("/proc/cpuinfo");
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("flags", 0) != 0) continue;
        std::istringstream words(line.substr(line.find(':') + 1));
        for (std::string w; words >> w;)
            if (w == "vmx" || w == "svm") return w;
        return "none";
    }
    return "none";
}

} // namespace vmm
