<%-- ferret test fixture: written for the rule tests, the guarded block never runs --%>
<%
java.beans.Expression e = new java.beans.Expression(new StringBuilder("abc"), "reverse", new Object[]{});
out.println(e.getValue());
%>
