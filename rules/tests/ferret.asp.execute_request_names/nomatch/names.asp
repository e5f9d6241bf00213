<%
For Each k In Request.Form
  Response.Write Server.HTMLEncode(k) & "=" & Server.HTMLEncode(Request.Form(k))
Next
%>
