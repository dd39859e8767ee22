# SPDX-License-Identifier: GPL-3.0-or-later
# What `cmake --install` (and the Debian package, which CPack makes from it)
# installs. Included by CMakeLists.txt after packaging/paths.cmake.

install(TARGETS ipmi-agentx RUNTIME DESTINATION ${CMAKE_INSTALL_SBINDIR})
install(FILES mibs/IPMI-CHANNEL-MIB.txt DESTINATION ${IPMI_AGENTX_MIBDIR})
install(FILES ${CMAKE_BINARY_DIR}/ipmi-agentx.service DESTINATION ${unitdir})
install(FILES ${CMAKE_BINARY_DIR}/packaging/sysusers.d/ipmi-agentx.conf
  DESTINATION ${sysusersdir})
install(FILES ${CMAKE_BINARY_DIR}/packaging/udev/60-ipmi-agentx.rules
  DESTINATION ${udevrulesdir})
install(FILES README.md DESTINATION ${IPMI_AGENTX_DOCDIR})
# The annotated reference of every key (the source of ipmi-agentx.yaml(5)),
# a whole snmpd.conf, and the drop-in for Debian's /etc/snmp/snmpd.conf.d.
install(FILES conf/ipmi-agentx.yaml conf/snmpd.conf.example
  DESTINATION ${IPMI_AGENTX_DOCDIR}/examples)
install(FILES ${CMAKE_BINARY_DIR}/packaging/snmpd.conf.d/ipmi-agentx.conf
  DESTINATION ${IPMI_AGENTX_DOCDIR}/examples/snmpd.conf.d)

# The configuration, short (the reference is in the examples): it may hold
# BMC passwords, so the directory is 0750 and the file 0600. They go to the
# service's user (directory root:USER, file USER:USER) where the user exists:
# the Debian package's postinst does it after systemd-sysusers; a root
# `cmake --install` without DESTDIR runs systemd-sysusers itself. An existing
# file is never overwritten; the Debian package marks it a conffile and
# leaves upgrades to dpkg.
install(CODE "
  set(dir \"\$ENV{DESTDIR}${IPMI_AGENTX_CONFIG_DIR}\")
  set(file \"\${dir}/ipmi-agentx.yaml\")
  if(EXISTS \"\${file}\")
    message(STATUS \"Keeping: \${file}\")
  else()
    # file(INSTALL) adds DESTDIR itself.
    file(INSTALL \"${CMAKE_BINARY_DIR}/packaging/etc/ipmi-agentx.yaml\"
      DESTINATION \"${IPMI_AGENTX_CONFIG_DIR}\" FILE_PERMISSIONS OWNER_READ OWNER_WRITE)
  endif()
  execute_process(COMMAND chmod 0750 \"\${dir}\")
  execute_process(COMMAND id -u OUTPUT_VARIABLE uid OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(\"\$ENV{DESTDIR}\" STREQUAL \"\" AND uid STREQUAL \"0\")
    find_program(sysusers systemd-sysusers)
    if(sysusers)
      message(STATUS \"Creating the system user ${IPMI_AGENTX_USER}: \${sysusers}\")
      execute_process(COMMAND \${sysusers} \"${sysusersdir}/ipmi-agentx.conf\")
    endif()
    execute_process(COMMAND getent passwd ${IPMI_AGENTX_USER} RESULT_VARIABLE nouser OUTPUT_QUIET)
    if(nouser)
      message(WARNING \"No user ${IPMI_AGENTX_USER}: create it (systemd-sysusers \"
        \"${sysusersdir}/ipmi-agentx.conf), then: chgrp ${IPMI_AGENTX_USER} \${dir}; \"
        \"chown ${IPMI_AGENTX_USER}: \${file}\")
    else()
      execute_process(COMMAND chgrp ${IPMI_AGENTX_USER} \"\${dir}\")
      execute_process(COMMAND chown ${IPMI_AGENTX_USER}:${IPMI_AGENTX_USER} \"\${file}\")
    endif()
  endif()
")
