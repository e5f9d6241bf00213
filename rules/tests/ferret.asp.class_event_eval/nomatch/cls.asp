<%
Class Cart
  Private Sub Class_Initialize
    Set items = Server.CreateObject("Scripting.Dictionary")
  End Sub
End Class
%>
