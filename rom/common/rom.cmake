# A VMI ROM from one assembly source: linked at 0 with rom/common/rom.ld, packed by
# tools/pack_rom.py into build/bin/NAME.rom (target NAME_rom, dashes as underscores).
set(VMI_ROM_COMMON_DIR ${CMAKE_CURRENT_LIST_DIR})

function(vmi_rom name)
    cmake_parse_arguments(R "" "SOURCE" "DEFINES" ${ARGN})
    set(ld ${VMI_ROM_COMMON_DIR}/rom.ld)
    add_executable(${name}_rom_elf ${R_SOURCE})
    target_include_directories(${name}_rom_elf PRIVATE ${PROJECT_SOURCE_DIR}/abi/include
                                                       ${CMAKE_CURRENT_SOURCE_DIR})
    target_compile_definitions(${name}_rom_elf PRIVATE ${R_DEFINES})
    target_compile_options(${name}_rom_elf PRIVATE -m64 -Wa,--fatal-warnings)
    target_link_options(${name}_rom_elf PRIVATE -nostdlib -static -no-pie -Wl,--build-id=none
                        -Wl,--no-warn-rwx-segments -Wl,-T,${ld})
    set_target_properties(${name}_rom_elf PROPERTIES
                          RUNTIME_OUTPUT_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}
                          LINK_DEPENDS ${ld})
    set(rom ${CMAKE_BINARY_DIR}/bin/${name}.rom)
    add_custom_command(
        OUTPUT ${rom}
        COMMAND ${CMAKE_OBJCOPY} -O binary $<TARGET_FILE:${name}_rom_elf>
                ${CMAKE_CURRENT_BINARY_DIR}/${name}.flat
        COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tools/pack_rom.py
                ${CMAKE_CURRENT_BINARY_DIR}/${name}.flat ${rom}
        DEPENDS ${name}_rom_elf ${PROJECT_SOURCE_DIR}/tools/pack_rom.py
        COMMENT "Packing ${name}.rom")
    string(REPLACE "-" "_" target ${name})
    add_custom_target(${target}_rom ALL DEPENDS ${rom})
endfunction()
