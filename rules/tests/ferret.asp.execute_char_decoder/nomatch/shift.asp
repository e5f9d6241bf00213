<%
For i = 1 To Len(s)
  out = out & Chr(Asc(Mid(s, i, 1)) + 1)
Next
Response.Write out
%>
