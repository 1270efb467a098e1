# socket-server: JVM memory settings for a stock Tomcat 11 (see docs/DEPLOYING.md, "Memory").
# Copy to $CATALINA_BASE/bin/setenv.sh; catalina.sh reads it at start. Keeps any CATALINA_OPTS
# given on the command line (ports) and adds:
#   -Xmx1g                     the heap: ~45 KB per idle connection on Tomcat (measured at 10,000),
#                              so about 17,000 connections; allow ~60 KB x connections for more
#   -XX:MinHeapFreeRatio=10    G1 gives back heap it grew into (a burst of handshakes leaves
#   -XX:MaxHeapFreeRatio=20    garbage behind) once at most 20% of it is free, instead of 70%
#   -XX:G1PeriodicGCInterval   ... and checks for that every minute when the server is idle
# No -Xms: the heap cannot shrink below it.
CATALINA_OPTS="${CATALINA_OPTS:-} -Xmx1g -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20 -XX:G1PeriodicGCInterval=60000"
export CATALINA_OPTS
