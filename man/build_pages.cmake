# Builds the man pages (cmake -P): the binary writes meshctl(1) and one page per command
# group as scdoc, from its command tree plus the prose in SRC; the section 5 and 7 pages
# are prose only. scdoc turns every page into roff under OUT/manN/.
# Inputs: -DMESHCTL=<binary> -DSCDOC=<scdoc> -DSRC=<man/> -DOUT=<build/man>
foreach(_var MESHCTL SCDOC SRC OUT)
  if(NOT DEFINED ${_var})
    message(FATAL_ERROR "build_pages.cmake needs -D${_var}=...")
  endif()
endforeach()

# Start clean so a removed command group leaves no page behind.
file(REMOVE_RECURSE "${OUT}/scd" "${OUT}/man1" "${OUT}/man5" "${OUT}/man7")
file(MAKE_DIRECTORY "${OUT}/scd" "${OUT}/man1" "${OUT}/man5" "${OUT}/man7")

execute_process(COMMAND "${MESHCTL}" __man "${SRC}" "${OUT}/scd"
                RESULT_VARIABLE _rc ERROR_VARIABLE _err)
if(_err)
  message(WARNING "${_err}")
endif()
if(NOT _rc EQUAL 0)
  message(FATAL_ERROR "meshctl __man failed (${_rc})")
endif()

file(GLOB _generated "${OUT}/scd/*.scd")
file(GLOB _prose_only "${SRC}/*.[57].scd")
foreach(_src IN LISTS _generated _prose_only)
  get_filename_component(_page "${_src}" NAME)
  string(REGEX REPLACE "\\.scd$" "" _page "${_page}")
  string(REGEX MATCH "[0-9]$" _section "${_page}")
  execute_process(COMMAND "${SCDOC}" INPUT_FILE "${_src}" OUTPUT_FILE "${OUT}/man${_section}/${_page}"
                  RESULT_VARIABLE _rc ERROR_VARIABLE _err)
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "scdoc failed on ${_src}: ${_err}")
  endif()
endforeach()
