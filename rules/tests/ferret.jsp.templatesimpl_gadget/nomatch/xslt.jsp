<%-- ferret test fixture: written for the rule tests, the guarded block never runs --%>
<%@ page import="javax.xml.transform.*" %>
<%
TransformerFactory tf = TransformerFactory.newInstance();
Transformer t = tf.newTransformer();
%>
