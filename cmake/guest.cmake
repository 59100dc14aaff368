# Freestanding guest code (docs/design.md §2.1): built by the host compiler with its own flags.
set(VMI_GUEST_FLAGS
    -m64 -ffreestanding -fno-exceptions -fno-rtti -fno-asynchronous-unwind-tables
    -fno-stack-protector -fno-pic -fno-pie -mno-red-zone -mgeneral-regs-only
    -nostdlib -O2 -g -Wall -Wextra -Wa,--fatal-warnings)
if(VMI_WERROR)
    list(APPEND VMI_GUEST_FLAGS -Werror)
endif()

# vmi_add_guest(<target> LINKER_SCRIPT <file> SOURCES <files...> [OUTPUT_DIR <dir>])
# Produces <target>.elf, a static freestanding ELF.
function(vmi_add_guest target)
    cmake_parse_arguments(G "" "LINKER_SCRIPT;OUTPUT_DIR" "SOURCES;INCLUDES" ${ARGN})
    add_executable(${target} ${G_SOURCES})
    set_target_properties(${target} PROPERTIES SUFFIX ".elf" LINK_DEPENDS ${G_LINKER_SCRIPT})
    if(G_OUTPUT_DIR)
        set_target_properties(${target} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${G_OUTPUT_DIR})
    endif()
    target_include_directories(${target} PRIVATE ${G_INCLUDES})
    target_compile_options(${target} PRIVATE ${VMI_GUEST_FLAGS})
    target_link_options(${target} PRIVATE -nostdlib -static -no-pie -Wl,--build-id=none
                        -Wl,-z,noexecstack -Wl,-T,${G_LINKER_SCRIPT})
endfunction()

# vmi_add_pvh_guest(<target> SOURCES <files...> [INCLUDES <dirs...>] [LIBRARIES <targets...>]
#                   [OUTPUT_DIR <dir>])
# A kernel on guest/vmi's PVH entry and address-space layout (guest/vmi/kernel.ld: linked at
# -2 GiB + physical, -mcmodel=kernel); it defines vmi_boot_main (<vmirt/boot.hpp>). LIBRARIES
# (e.g. vmi_runtime) are linked before the entry.
function(vmi_add_pvh_guest target)
    cmake_parse_arguments(G "" "OUTPUT_DIR" "SOURCES;INCLUDES;LIBRARIES" ${ARGN})
    vmi_add_guest(${target}
        LINKER_SCRIPT ${PROJECT_SOURCE_DIR}/guest/vmi/kernel.ld
        SOURCES ${G_SOURCES}
        INCLUDES ${G_INCLUDES}
        OUTPUT_DIR ${G_OUTPUT_DIR})
    target_link_libraries(${target} PRIVATE ${G_LIBRARIES} vmi_pvh_entry)
    target_compile_options(${target} PRIVATE -mcmodel=kernel)
    target_link_options(${target} PRIVATE -Wl,--no-warn-rwx-segments)
endfunction()
