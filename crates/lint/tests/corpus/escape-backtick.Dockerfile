# escape=`
# Windows-style escape character; backslashes are plain path separators.
FROM mcr.microsoft.com/windows/servercore:ltsc2022
SHELL ["powershell", "-Command", "$ErrorActionPreference = 'Stop';"]
WORKDIR C:\app
RUN Invoke-WebRequest -Uri https://example.com/tool.zip -OutFile tool.zip ; `
    Expand-Archive tool.zip -DestinationPath C:\app ; `
    Remove-Item tool.zip
COPY app.ps1 C:\app\app.ps1
USER ContainerUser
CMD ["powershell", "C:\\app\\app.ps1"]
