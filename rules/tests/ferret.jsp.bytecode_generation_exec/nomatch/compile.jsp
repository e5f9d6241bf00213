<%-- ferret test fixture: written for the rule tests, the guarded block never runs --%>
<%
javax.tools.JavaCompiler jc = javax.tools.ToolProvider.getSystemJavaCompiler();
out.println(jc == null ? "no compiler" : "compiler available");
%>
