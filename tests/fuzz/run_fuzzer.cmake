# ctest driver for one fuzz target: fuzzes a fresh copy of the seed corpus for a bounded time,
# so runs never grow the seeds and crash artifacts land next to the copy.
# cmake -DFUZZER=<exe> -DSEEDS=<dir> -DWORK=<dir> -P run_fuzzer.cmake
foreach(var FUZZER SEEDS WORK)
    if(NOT DEFINED ${var})
        message(FATAL_ERROR "run_fuzzer.cmake: ${var} is not set")
    endif()
endforeach()
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK}/corpus ${WORK}/artifacts)
file(GLOB seeds ${SEEDS}/*)
if(NOT seeds)
    message(FATAL_ERROR "run_fuzzer.cmake: no seeds in ${SEEDS}")
endif()
file(COPY ${seeds} DESTINATION ${WORK}/corpus)
execute_process(
    COMMAND ${FUZZER} -max_total_time=20 -rss_limit_mb=2048 -print_final_stats=1
            -artifact_prefix=${WORK}/artifacts/ ${WORK}/corpus
    RESULT_VARIABLE status)
if(NOT status EQUAL 0)
    message(FATAL_ERROR "${FUZZER} failed (${status}); inputs are in ${WORK}/artifacts")
endif()
