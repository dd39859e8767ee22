# SPDX-License-Identifier: GPL-3.0-or-later
# The layers of agent/ as the compiler sees them. For each probe a one-line
# C file includes a header of some layer and is compiled with the include
# path of another layer's library (as its sources are). A probe whose header
# sits in a higher layer must fail to compile; one that stays in its layer or
# points down must compile, so a broken probe cannot pass by accident.
#
#   probe name            compiled as   includes     expected
set(LAYER_PROBES
  "core-up-to-bmc        ipmiagentx_core  bmc.h      fail"
  "core-up-to-snmp       ipmiagentx_core  mib.h      fail"
  "core-up-to-agent      ipmiagentx_core  agent.h    fail"
  "bmc-up-to-snmp        ipmiagentx_bmc   mib_set.h  fail"
  "bmc-up-to-agent       ipmiagentx_bmc   agent.h    fail"
  "snmp-up-to-agent      ipmiagentx_snmp  agent.h    fail"
  "core-own              ipmiagentx_core  state.h    pass"
  "bmc-down-to-core      ipmiagentx_bmc   state.h    pass"
  "snmp-down-to-bmc      ipmiagentx_snmp  change.h   pass"
  "agent-down-to-snmp    ipmiagentx       mib.h      pass")
foreach(probe ${LAYER_PROBES})
  string(REGEX REPLACE " +" ";" fields "${probe}")
  list(GET fields 0 name)
  list(GET fields 1 layer)
  list(GET fields 2 header)
  list(GET fields 3 expect)
  set(src ${CMAKE_BINARY_DIR}/layer-probes/${name}.c)
  file(WRITE ${src} "#include \"${header}\"\nint layer_probe_${expect}(void);\nint layer_probe_${expect}(void) { return 0; }\n")
  add_library(layer-probe-${name} OBJECT EXCLUDE_FROM_ALL ${src})
  # The include path and flags of the layer, as its own sources get them.
  target_link_libraries(layer-probe-${name} PRIVATE ${layer})
  add_test(NAME layers.${name}
    COMMAND ${CMAKE_COMMAND} --build ${CMAKE_BINARY_DIR} --target layer-probe-${name})
  if(expect STREQUAL "fail")
    # Failing is not enough: it must fail because the header is out of reach.
    string(REPLACE "." "[.]" re "${header}")
    set_tests_properties(layers.${name} PROPERTIES PASS_REGULAR_EXPRESSION
      "${re}: No such file or directory|'${re}' file not found")
  endif()
endforeach()
