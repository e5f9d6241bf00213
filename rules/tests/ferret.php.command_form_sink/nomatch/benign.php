<html><body>
<form method="post"><input type="text" name="command" placeholder="search"></form>
<?php
$command = isset($_POST['command']) ? trim($_POST['command']) : '';
echo htmlspecialchars(search_help($command));
?>
</body></html>
