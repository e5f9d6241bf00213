<%-- ferret test fixture: written for the rule tests, the guarded block never runs --%>
<p>To run the tool, open a terminal and type <code>/bin/sh ./start.sh</code>.</p>
<% out.println("cmd.exe is the Windows shell"); %>
