<%-- ferret test fixture: written for the rule tests, the guarded block never runs --%>
<%
javax.script.ScriptEngine e = new javax.script.ScriptEngineManager().getEngineByName("js");
Object r = e.eval("6 * 7");
out.println(r + " for " + request.getParameter("user"));
%>
