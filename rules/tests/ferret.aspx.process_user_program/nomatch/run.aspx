<%@ Page Language="VB" %>
<script runat="server">
Sub RunIt(s As Object, e As EventArgs)
  Dim si As New ProcessStartInfo("C:\tools\report.exe")
  si.Arguments = "/daily"
  Process.Start(si)
End Sub
</script>
